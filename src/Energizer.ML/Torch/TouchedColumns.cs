using Energizer.ML.Torch.Optimizers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Torch;

/// <summary>
/// The columns of a first layer's weight that a sparse training batch touched, and the leaf
/// [k, out] table of their weights that the batch's output was computed from.
/// </summary>
/// <param name="Weight">The first layer's [out, in] weight.</param>
/// <param name="Columns">The touched columns, int64 [k].</param>
/// <param name="ColumnIds">The same columns on the CPU (the first <paramref name="Count"/>).</param>
/// <param name="Count">k.</param>
/// <param name="Table">The leaf [k, out] copy of those columns.</param>
internal readonly record struct TouchedColumns(Parameter Weight, Tensor Columns, long[] ColumnIds, int Count, Tensor Table)
{
    /// <summary>The columns' gradient after the backward pass, for the optimiser's lazy step; null when the batch had no explicit entries.</summary>
    public ColumnGradient? Gradient() => Table.grad is { } grad ? new ColumnGradient(Weight, Columns, ColumnIds, Count, Table.detach(), grad) : null;
}
