using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace Energizer.ML.Inference;

/// <summary>
/// The naive path: T whole passes through every layer. <see cref="RunNaive"/> is the reference
/// that the batched paths must reproduce; <see cref="NaivePasses"/> runs networks whose dropouts
/// are not a Sequential's own children.
/// </summary>
internal sealed partial class TorchBoundInference
{
    /// <summary>
    /// The reference loop: T separate passes through every layer, each with that pass's masks
    /// — what prefix caching and batching must reproduce. The rows have ids 0 … N − 1.
    /// </summary>
    internal float[] RunNaive(Tensor x)
    {
        if (_plan.Layers is null || _mc is null) throw new InvalidOperationException("The naive loop is defined for MC-Dropout on Sequential networks.");
        int n = (int)x.shape[0];
        var rows = Positions(n);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var passes = new List<Tensor>();
        for (int t = 0; t < _mc.Iterations; t++)
        {
            var z = x;
            for (int i = 0; i < _plan.Layers.Count; i++)
            {
                if (!_plan.Dropouts.TryGetValue(i, out var d)) z = _plan.Layers[i].call(z);
                else if (d.Rate > 0) z = ApplyDropout(z.unsqueeze(0), Masks(i, d, z.shape[1..], z.device, rows, n, t, 1), d).squeeze(0);
            }
            passes.Add(z);
        }
        return nn.functional.softmax(cat(passes, 0), 1).cpu().data<float>().ToArray();
    }

    /// <summary>
    /// T whole passes of a network whose dropouts are not a Sequential's own children: the network
    /// stays in eval mode (its dropouts are identities) and a forward hook on each dropout module
    /// applies that pass's mask to the module's input.
    /// </summary>
    private Tensor NaivePasses(Tensor x, DataViewRowId[] rows)
    {
        int n = (int)x.shape[0];
        int pass = 0;
        // Hooks live on the network's own modules, so passes on a shared (in-place) network are serialised.
        lock (_gate)
        {
            var hooks = _plan.Modules.Select((module, layer) =>
            {
                var d = new DropoutLayer(DropoutPlan.Kind(module)!.Value, _mc!.Probability ?? DropoutPlan.Rate(module), module.GetName());
                return ((nn.Module<Tensor, Tensor>)module).register_forward_hook((_, input, output) =>
                    d.Rate == 0 ? output : ApplyDropout(input.unsqueeze(0), Masks(layer, d, input.shape[1..], input.device, rows, n, pass, 1), d).squeeze(0));
            }).ToList();
            try
            {
                var passes = new List<Tensor>();
                for (pass = 0; pass < _mc!.Iterations; pass++) passes.Add(_network.call(x));
                return cat(passes, 0);
            }
            finally
            {
                foreach (var hook in hooks) hook.remove();
            }
        }
    }
}
