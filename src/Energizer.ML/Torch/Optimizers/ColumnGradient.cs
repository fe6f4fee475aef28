using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Torch.Optimizers;

/// <summary>
/// The gradient of some columns of a 2-D parameter, the rest being zero because nothing in the
/// batch read them (a first layer fed sparse rows): the columns, once each, their current
/// weights and their gradient, both column-major ([k, out], a column per row) so that the
/// optimiser reads and writes its moments a contiguous row per column.
/// </summary>
/// <param name="Parameter">The [out, in] parameter; its own <c>grad</c> is not used.</param>
/// <param name="Columns">The columns' indices, int64 [k] on the parameter's device.</param>
/// <param name="ColumnIds">The same indices (the first <paramref name="Count"/>), read on the CPU.</param>
/// <param name="Count">k, the number of columns.</param>
/// <param name="Values">Those columns of the parameter as they are now, [k, out] (row j for <c>ColumnIds[j]</c>); the optimiser updates it in place and writes it back.</param>
/// <param name="Gradient">The gradient of those columns, [k, out].</param>
internal readonly record struct ColumnGradient(Parameter Parameter, Tensor Columns, long[] ColumnIds, int Count, Tensor Values, Tensor Gradient);
