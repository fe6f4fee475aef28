using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Torch.Optimizers;

/// <summary>
/// The gradient of some columns of a 2-D parameter, the rest being zero because nothing in the
/// batch read them (a first layer fed sparse rows): the columns, once each, and their gradient.
/// </summary>
/// <param name="Parameter">The [out, in] parameter; its own <c>grad</c> is not used.</param>
/// <param name="Columns">The columns' indices, int64 [k] on the parameter's device.</param>
/// <param name="ColumnIds">The same indices (the first <paramref name="Count"/>), read on the CPU.</param>
/// <param name="Count">k, the number of columns.</param>
/// <param name="Gradient">The gradient of those columns, [out, k], column j of it for <c>ColumnIds[j]</c>.</param>
internal readonly record struct ColumnGradient(Parameter Parameter, Tensor Columns, long[] ColumnIds, int Count, Tensor Gradient);
