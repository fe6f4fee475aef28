using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Torch;

/// <summary>
/// The first <see cref="Linear"/> of a <see cref="Sequential"/> network applied, for scoring, to
/// sparse batches (e.g. <c>FeaturizeText</c> n-grams) through their explicit entries only: each row
/// adds up the weight columns its entries name, scaled by their values, so a row costs its
/// non-zero count times the layer's width, as a dense row of that many features would (a dense or
/// COO product pays for every column). The sum is an <c>index_add_</c> of the gathered, scaled
/// columns: TorchSharp has no functional <c>embedding_bag</c>, and building an
/// <see cref="EmbeddingBag"/> module draws its initial weights from torch's process-wide generator,
/// which scoring must not touch (training on another thread draws from it). The layer holds a
/// transposed copy of the weight made at the first batch: an instance serves one pass over the
/// data (a cursor, a prediction row) of a network that does not change meanwhile. Later layers
/// see dense activations as usual.
/// </summary>
internal sealed class SparseFirstLayer : IDisposable
{
    /// <summary>Batches with at most this share of explicit cells go through the explicit entries; denser ones are multiplied dense.</summary>
    internal const double MaxDensity = 0.1;

    private readonly Sequential _network;
    private readonly Linear _linear;
    private Tensor? _transposed;
    private long[] _entryRows = [];

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

    /// <summary>Whether the reader's current batch came all sparse and is sparse enough for the explicit-entry product.</summary>
    internal static bool Takes(FeatureBatchReader batch) => batch.IsSparseBatch(MaxDensity);

    /// <summary>The first layer's [N, out] output for a sparse batch, without gradients.</summary>
    internal Tensor Forward(SparseRows rows)
    {
        var weight = _linear.weight ?? throw new InvalidOperationException("The network's first Linear has no weight.");
        using var noGrad = no_grad();
        if (_transposed is null)
        {
            _transposed = weight.detach().t().contiguous();
            _transposed.DetachFromDisposeScope();
        }
        if (_entryRows.Length < rows.NonZeros) _entryRows = new long[rows.Columns.Length];
        for (int row = 0; row < rows.Rows; row++)
        {
            long end = row + 1 < rows.Rows ? rows.RowStarts[row + 1] : rows.NonZeros;
            for (long k = rows.RowStarts[row]; k < end; k++) _entryRows[k] = row;
        }
        var device = weight.device;
        var terms = _transposed
            .index_select(0, BatchTensors.Rows(rows.Columns, rows.NonZeros, device))
            .mul_(BatchTensors.Rows(rows.Values, rows.NonZeros, device).unsqueeze(1));
        var output = zeros(rows.Rows, _transposed.shape[1], device: device)
            .index_add_(0, BatchTensors.Rows(_entryRows, rows.NonZeros, device), terms, _one);
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
        _transposed?.Dispose();
        _one.Dispose();
    }
}
