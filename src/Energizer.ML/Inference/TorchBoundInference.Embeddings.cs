using static TorchSharp.torch;

namespace Energizer.ML.Inference;

/// <summary>
/// The deterministic passes: the network in eval mode with its dropouts skipped, whole or up to the
/// penultimate layer, whose output is the row embedding for diversity strategies.
/// </summary>
internal sealed partial class TorchBoundInference
{
    private Tensor Deterministic(Tensor h, int start)
    {
        var z = h;
        for (int i = start; i < _plan.Layers!.Count; i++)
        {
            if (!_plan.Dropouts.ContainsKey(i)) z = _plan.Layers[i].call(z);
        }
        return z;
    }

    private Tensor Penultimate(Tensor h, int start)
    {
        var z = h;
        for (int i = start; i < _plan.Layers!.Count - 1; i++)
        {
            if (!_plan.Dropouts.ContainsKey(i)) z = _plan.Layers[i].call(z);
        }
        return z;
    }
}
