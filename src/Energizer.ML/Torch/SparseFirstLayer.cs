using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Torch;

/// <summary>
/// The first <see cref="Linear"/> of a <see cref="Sequential"/> network applied, for scoring, to
/// sparse batches (e.g. <c>FeaturizeText</c> n-grams) through their explicit entries only: each row
/// adds up the weight columns its entries name, scaled by their values (an <see cref="EmbeddingBag"/>
/// sum), so a row costs its non-zero count times the layer's width, as a dense row of that many
/// features would (a dense or COO product pays for every column). The bag holds a transposed copy
/// of the weight made at the first batch: an instance serves one pass over the data (a cursor, a
/// prediction row) of a network that does not change meanwhile. Later layers see dense
/// activations as usual.
/// </summary>
internal sealed class SparseFirstLayer : IDisposable
{
    /// <summary>Batches with at most this share of explicit cells go through the bag; denser ones are multiplied dense.</summary>
    internal const double MaxDensity = 0.1;

    private readonly Sequential _network;
    private readonly Linear _linear;
    private EmbeddingBag? _bag;

    // Tensor.add_(bias) would make its alpha of 1 as a Scalar that nothing owns (docs/design.md, "Owned scalars").
    private readonly Scalar _one = 1.ToScalar();

    private SparseFirstLayer(Sequential network, Linear linear)
    {
        _network = network;
        _linear = linear;
    }

    /// <summary>For a network that starts with a Linear; null otherwise (its batches are always dense).</summary>
    internal static SparseFirstLayer? For(nn.Module<Tensor, Tensor> network) =>
        network is Sequential { Count: >= 1 } sequential && sequential[0] is Linear linear ? new SparseFirstLayer(sequential, linear) : null;

    /// <summary>Whether the reader's current batch came all sparse and is sparse enough for the bag.</summary>
    internal static bool Takes(FeatureBatchReader batch) => batch.IsSparseBatch(MaxDensity);

    /// <summary>The first layer's [N, out] output for a sparse batch, without gradients.</summary>
    internal Tensor Forward(SparseRows rows)
    {
        var weight = _linear.weight ?? throw new InvalidOperationException("The network's first Linear has no weight.");
        using var noGrad = no_grad();
        if (_bag is null)
        {
            using var transposed = weight.detach().t().contiguous();
            // Building the module draws initial weights from the process-wide generator; put it
            // back so that scoring leaves the random stream (e.g. later dropout masks) as dense scoring does.
            using var generator = torch.get_rng_state();
            _bag = nn.EmbeddingBag_from_pretrained(transposed, freeze: true, mode: EmbeddingBagMode.Sum);
            torch.set_rng_state(generator);
        }
        var device = weight.device;
        var output = _bag.call(
            BatchTensors.Rows(rows.Columns, rows.NonZeros, device),
            BatchTensors.Rows(rows.RowStarts, rows.Rows, device),
            BatchTensors.Rows(rows.Values, rows.NonZeros, device));
        return _linear.bias is { } bias ? output.add_(bias, alpha: _one) : output;
    }

    /// <summary>The rest of the network (every layer after the first) on the first layer's output.</summary>
    internal Tensor Rest(Tensor firstLayerOutput)
    {
        var h = firstLayerOutput;
        for (int i = 1; i < _network.Count; i++) h = ((nn.Module<Tensor, Tensor>)_network[i]).call(h);
        return h;
    }

    /// <summary>Frees the transposed weight.</summary>
    public void Dispose()
    {
        _bag?.Dispose();
        _one.Dispose();
    }
}
