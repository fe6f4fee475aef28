using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Inference;

/// <summary>
/// Where a network's dropouts are, found once per binding: every dropout module (for whole
/// passes) and, for a <see cref="Sequential"/> whose dropouts are its own children (as
/// <see cref="Torch.Networks"/> builds them), the children in order, which of them are dropouts
/// with their kind and rate, and the first dropout (the children before it are deterministic
/// and run once per batch).
/// </summary>
internal sealed class DropoutPlan
{
    /// <param name="network">The network, in eval mode.</param>
    /// <param name="probability">The rate that overrides every dropout's, or null.</param>
    public DropoutPlan(nn.Module<Tensor, Tensor> network, double? probability)
    {
        Modules = [.. network.modules().Where(m => Kind(m) is not null)];
        if (network is Sequential sequential && TopLevelDropoutsOnly(sequential))
        {
            Layers = [.. Enumerable.Range(0, sequential.Count).Select(i => (nn.Module<Tensor, Tensor>)sequential[i])];
            var names = sequential.named_children().Select(c => c.name).ToList();
            for (int i = 0; i < Layers.Count; i++)
            {
                if (Kind(Layers[i]) is { } kind) Dropouts[i] = new DropoutLayer(kind, probability ?? Rate(Layers[i]), names[i]);
            }
        }
        FirstDropout = Layers is null ? 0 : Dropouts.Count == 0 ? Layers.Count : Dropouts.Keys.Min();
    }

    /// <summary>Every dropout module of the network, in module order.</summary>
    public List<nn.Module> Modules { get; }

    /// <summary>The Sequential's children in order; null when the network is not a Sequential with its dropouts as children.</summary>
    public List<nn.Module<Tensor, Tensor>>? Layers { get; }

    /// <summary>The dropout children, by index in <see cref="Layers"/>.</summary>
    public Dictionary<int, DropoutLayer> Dropouts { get; } = [];

    /// <summary>The index of the first dropout child (<see cref="Layers"/>' count when there is none; 0 without layers).</summary>
    public int FirstDropout { get; }

    /// <summary>
    /// From consistent dropout <paramref name="start"/>: the run of (elementwise dropout, Linear)
    /// pairs, each Linear followed by elementwise activations and the next pair's dropout; empty
    /// when the layer after <paramref name="start"/> is not a Linear.
    /// </summary>
    public List<(int Dropout, int Linear)> MaskedLinearChain(int start)
    {
        var chain = new List<(int, int)>();
        int i = start;
        while (Dropouts.TryGetValue(i, out var d) && d.Kind == DropoutKind.Elementwise && d.Rate > 0 && i + 1 < Layers!.Count && Layers[i + 1] is Linear)
        {
            chain.Add((i, i + 1));
            int next = i + 2;
            while (next < Layers.Count && Layers[next] is ReLU or LeakyReLU or GELU or Tanh or Sigmoid) next++;
            i = next;
        }
        return chain;
    }

    /// <summary>The per-row mask shape: the row's shape, or [C, 1, ...] for channel and feature-alpha dropout.</summary>
    public static IEnumerable<long> MaskRowShape(long[] rowShape, DropoutKind kind) =>
        rowShape.Select((size, axis) => kind is DropoutKind.Channel or DropoutKind.FeatureAlpha && axis > 0 ? 1L : size);

    /// <summary>The kind of a dropout module; null for any other module.</summary>
    public static DropoutKind? Kind(nn.Module module) => module switch
    {
        TorchSharp.Modules.Dropout => DropoutKind.Elementwise,
        Dropout1d or Dropout2d or Dropout3d => DropoutKind.Channel,
        AlphaDropout => DropoutKind.Alpha,
        FeatureAlphaDropout => DropoutKind.FeatureAlpha,
        _ => null,
    };

    /// <summary>A dropout module's trained rate (0 for any other module).</summary>
    public static double Rate(nn.Module module) => module switch
    {
        TorchSharp.Modules.Dropout d => d.p,
        Dropout1d d => d.p,
        Dropout2d d => d.p,
        Dropout3d d => d.p,
        AlphaDropout d => d.p,
        FeatureAlphaDropout d => d.p,
        _ => 0,
    };

    private static bool TopLevelDropoutsOnly(Sequential sequential) =>
        sequential.named_children().All(c => Kind(c.module) is not null || !c.module.modules().Skip(1).Any(m => Kind(m) is not null));
}
