using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Inference;

/// <summary>
/// Consistent masks: drawn once per layer and shared by every row, so a dropout followed by a
/// Linear multiplies only the units it keeps (<see cref="MaskedLinears"/>).
/// </summary>
internal sealed partial class TorchBoundInference
{
    /// <summary>
    /// The T masks of dropout layer <paramref name="layer"/>, drawn once from a generator seeded
    /// by (seed, layer) and reused for every row and batch: shape [T, 1, ...] (channel dropout:
    /// [T, 1, C, 1, ...]), already divided by the keep probability.
    /// </summary>
    private Tensor ConsistentMask(int layer, DropoutLayer d, long[] rowShape, Device device)
    {
        lock (_gate)
        {
            if (_consistentMasks.TryGetValue(layer, out var cached)) return cached;
            var mask = DropoutMasks.Consistent(_mc!.Seed, layer, _mc.Iterations, [.. DropoutPlan.MaskRowShape(rowShape, d.Kind)], d.Rate, device);
            mask.DetachFromDisposeScope();
            _consistentMasks[layer] = mask;
            return mask;
        }
    }

    /// <summary>
    /// Consistent dropouts each followed by a Linear, for the T passes. Pass t's mask keeps a fixed
    /// set K_t of units, so (x ⊙ m_t)·Wᵀ + b = x[:, K_t]·W[:, K_t]ᵀ/keep + b: a product over only
    /// the kept inputs. When the Linear's outputs go (through elementwise activations) into the
    /// next dropout of the chain, only the outputs that dropout keeps are computed, so the pass
    /// runs on compacted activations (about keep² of the multiply-adds between two dropouts).
    /// Weights are gathered per batch, so a network trained further in place is read as it is
    /// now. <paramref name="z"/> is [N, F] shared by all passes (not yet expanded) or [T·N, F];
    /// the result is [T·N, out] of the chain's last Linear.
    /// </summary>
    private Tensor MaskedLinears(List<(int Dropout, int Linear)> chain, Tensor z, bool expanded, int t, int n)
    {
        // Each dropout's units: the chain's input width for the first, the previous Linear's outputs after.
        var kept = chain.Select((c, g) => KeptUnits(c.Dropout, _plan.Dropouts[c.Dropout],
            g == 0 ? z.shape[1..] : [((Linear)_plan.Layers![chain[g - 1].Linear]).weight!.shape[0]], z.device)).ToList();
        var passes = new Tensor[t];
        for (int s = 0; s < t; s++)
        {
            var x = (expanded ? z.narrow(0, (long)s * n, n) : z).index_select(1, kept[0][s]);
            for (int g = 0; g < chain.Count; g++)
            {
                var linear = (Linear)_plan.Layers![chain[g].Linear];
                Tensor weight = linear.weight!.index_select(1, kept[g][s]);
                Tensor? bias = linear.bias;
                if (g + 1 < chain.Count)
                {
                    weight = weight.index_select(0, kept[g + 1][s]);
                    bias = bias?.index_select(0, kept[g + 1][s]);
                }
                float scale = (float)(1 / (1 - _plan.Dropouts[chain[g].Dropout].Rate));
                if (bias is null)
                {
                    using var ownedScale = scale.ToScalar();
                    x = x.matmul(weight.t()).mul_(ownedScale);
                }
                else
                {
                    x = addmm(bias, x, weight.t(), beta: 1, alpha: scale);
                }
                if (g + 1 < chain.Count)
                {
                    for (int a = chain[g].Linear + 1; a < chain[g + 1].Dropout; a++) x = _plan.Layers[a].call(x);
                }
            }
            passes[s] = x;
        }
        return cat(passes, 0);
    }

    /// <summary>For each pass, the indices of the units that consistent dropout <paramref name="layer"/> keeps.</summary>
    private Tensor[] KeptUnits(int layer, DropoutLayer d, long[] rowShape, Device device)
    {
        var mask = ConsistentMask(layer, d, rowShape, device);
        lock (_gate)
        {
            if (_keptUnits.TryGetValue(layer, out var cached)) return cached;
            var kept = new Tensor[mask.shape[0]];
            for (int s = 0; s < kept.Length; s++)
            {
                kept[s] = mask[s, 0].nonzero().squeeze(1);
                kept[s].DetachFromDisposeScope();
            }
            _keptUnits[layer] = kept;
            return kept;
        }
    }
}
