using Microsoft.ML.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Inference;

/// <summary>
/// The batched path with prefix caching: the layers before the first dropout run once per batch
/// (<see cref="Run(Tensor, DataViewRowId[], int, bool)"/>), the rest once on the T passes stacked into
/// one batch of T·N rows, with each dropout applied functionally.
/// </summary>
internal sealed partial class TorchBoundInference
{
    private Tensor Stochastic(Tensor h, int start, int n, DataViewRowId[] rows)
    {
        int t = _mc!.Iterations;
        // The T copies of h are never materialised: the first dropout multiplies h, viewed as
        // [1, N, ...], by masks of [T, N, ...] (or [T, 1, ...]) and the product is the T·N batch.
        // Later masks multiply the T·N activations in place (they are this method's own temporaries).
        var z = h;
        bool expanded = false, rectify = false;
        for (int i = start; i < _plan.Layers!.Count; i++)
        {
            if (!_plan.Dropouts.TryGetValue(i, out var d))
            {
                if (!expanded) z = Repeat(h, t);
                expanded = true;
                // A ReLU before a fresh CPU dropout is applied by that dropout's mask write.
                rectify = _plan.Layers[i] is ReLU && FreshMaskWrite(i + 1, z);
                if (rectify) continue;
                // The T·N activations are this method's own temporaries: ReLU may overwrite them.
                z = _plan.Layers[i] is ReLU ? z.relu_() : _plan.Layers[i].call(z);
                continue;
            }
            if (d.Rate == 0) continue;
            long[] rowShape = z.shape[1..];
            if (_mc.Consistent && rowShape.Length == 1 && _plan.MaskedLinearChain(i) is { Count: > 0 } chain)
            {
                z = MaskedLinears(chain, z, expanded, t, n);
                expanded = true;
                i = chain[^1].Linear;
                continue;
            }
            if (FreshMaskWrite(i, z))
            {
                // Fresh masks on the CPU are written straight into the activations (no mask tensor).
                int units = (int)DropoutPlan.MaskRowShape(rowShape, d.Kind).Aggregate(1L, (a, b) => a * b);
                double keep = 1 - d.Rate;
                z = expanded
                    ? DropoutMasks.ApplyInPlace(z.contiguous(), t, _mc.Seed, i, rows, units, keep, (float)(1 / keep), rectify)
                    : DropoutMasks.Expand(z.contiguous(), t, _mc.Seed, i, rows, units, keep, (float)(1 / keep));
                expanded = true;
                rectify = false;
                continue;
            }
            var mask = Masks(i, d, rowShape, z.device, rows, n, 0, t);
            z = ApplyDropout(expanded ? z.view([t, n, .. rowShape]) : z.unsqueeze(0), mask, d, inPlace: expanded).view([t * n, .. rowShape]);
            expanded = true;
        }
        return expanded ? z : Repeat(z, t);
    }

    /// <summary>
    /// Whether layer <paramref name="layer"/> is a dropout whose fresh masks are written straight into
    /// the CPU activations <paramref name="z"/> (no mask tensor).
    /// </summary>
    private bool FreshMaskWrite(int layer, Tensor z) =>
        !_mc!.Consistent && z.device.type == DeviceType.CPU && _plan.Dropouts.TryGetValue(layer, out var d)
        && d.Rate != 0 && d.Kind is DropoutKind.Elementwise or DropoutKind.Channel;

    private static Tensor Repeat(Tensor h, int t)
    {
        var repeats = new long[h.dim()];
        Array.Fill(repeats, 1L);
        repeats[0] = t;
        return h.repeat(repeats);
    }

    /// <summary>
    /// Masks of passes [<paramref name="firstPass"/>, +<paramref name="passes"/>) of dropout
    /// <paramref name="layer"/> for rows of <paramref name="rowShape"/>: fresh ones [passes, N, ...]
    /// of <paramref name="rows"/>, or the cached consistent ones [passes, 1, ...]. Values are 0 or
    /// 1/keep, or 0 or 1 for an alpha dropout (<see cref="ApplyDropout"/> scales those).
    /// </summary>
    private Tensor Masks(int layer, DropoutLayer d, long[] rowShape, Device device, DataViewRowId[] rows, int n, int firstPass, int passes)
    {
        if (_mc!.Consistent) return ConsistentMask(layer, d, rowShape, device).narrow(0, firstPass, passes);
        bool alpha = d.Kind is DropoutKind.Alpha or DropoutKind.FeatureAlpha;
        return DropoutMasks.Fresh(_mc.Seed, layer, firstPass, passes, rows, n, [.. DropoutPlan.MaskRowShape(rowShape, d.Kind)], 1 - d.Rate, alpha ? 1 : (float)(1 / (1 - d.Rate)), device);
    }

    /// <summary>
    /// Dropout <paramref name="d"/> on <paramref name="z"/> ([1 or T, N, ...]) with
    /// <paramref name="mask"/> ([T, N or 1, ...]). An alpha dropout keeps SELU's mean and variance as
    /// LibTorch's does (Klambauer et al., 2017): a = 1/√((α²p + 1)(1 − p)) with α = 1.7580993408473766,
    /// kept units become a·x + α·a·p and dropped ones α·a·(p − 1), that is a·m·(x + α) + α·a·(p − 1)
    /// for m in {0, 1}.
    /// </summary>
    private static Tensor ApplyDropout(Tensor z, Tensor mask, DropoutLayer d, bool inPlace = false)
    {
        if (d.Kind is not (DropoutKind.Alpha or DropoutKind.FeatureAlpha)) return inPlace ? z.mul_(mask) : z.mul(mask);
        const double Alpha = 1.7580993408473766;
        double p = d.Rate, a = 1 / Math.Sqrt(((Alpha * Alpha * p) + 1) * (1 - p));
        using var alpha = Alpha.ToScalar();
        using var scale = a.ToScalar();
        using var offset = (Alpha * a * (p - 1)).ToScalar();
        using var one = 1.ToScalar();
        return z.mul(mask).add_(mask, alpha: alpha).mul_(scale).add_(offset, alpha: one);
    }
}
