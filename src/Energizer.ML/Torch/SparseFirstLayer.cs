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
/// see dense activations as usual. In training (<see cref="TrainingForward"/>) the same sum runs
/// over a leaf copy of the batch's columns, so the backward pass and lazy Adam cost the batch's
/// distinct columns, not the whole weight (docs/design.md, "Lazy Adam for sparse rows").
/// </summary>
internal sealed class SparseFirstLayer : IDisposable
{
    /// <summary>Batches with at most this share of explicit cells go through the explicit entries; denser ones are multiplied dense.</summary>
    internal const double MaxDensity = 0.1;

    private readonly Sequential _network;
    private readonly Linear _linear;
    private Tensor? _transposed;
    private long[] _entryRows = [];
    private int[] _tableRowOfColumn = [];
    private long[] _entryTableRows = [];

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
        var weight = Weight;
        using var noGrad = no_grad();
        if (_transposed is null)
        {
            _transposed = weight.detach().t().contiguous();
            _transposed.DetachFromDisposeScope();
        }
        return Bag(_transposed, BatchTensors.Rows(rows.Columns, rows.NonZeros, weight.device), rows);
    }

    /// <summary>
    /// The first layer's [N, out] output for a training batch, and what lazy Adam needs to update
    /// the weight (<see cref="SparseUpdate.Lazy"/>): the batch's distinct columns, gathered from
    /// the weight into a leaf [k, out] table that the output is a function of, so the backward
    /// pass gives the gradient of those columns only (the weight's own <c>grad</c> stays unset).
    /// The bias takes part as usual.
    /// </summary>
    internal (Tensor Output, TouchedColumns Touched) TrainingForward(SparseRows rows)
    {
        var weight = Weight;
        if (_tableRowOfColumn.Length == 0)
        {
            _tableRowOfColumn = new int[weight.shape[1]];
            Array.Fill(_tableRowOfColumn, -1);
        }
        if (_entryTableRows.Length < rows.NonZeros) _entryTableRows = new long[rows.Columns.Length];
        var columnIds = new long[rows.NonZeros];
        int count = 0;
        for (int k = 0; k < rows.NonZeros; k++)
        {
            int column = (int)rows.Columns[k];
            if (_tableRowOfColumn[column] < 0)
            {
                _tableRowOfColumn[column] = count;
                columnIds[count++] = column;
            }
            _entryTableRows[k] = _tableRowOfColumn[column];
        }
        for (int j = 0; j < count; j++) _tableRowOfColumn[columnIds[j]] = -1;
        var columns = BatchTensors.Rows(columnIds, count, weight.device);
        Tensor table;
        using (no_grad()) table = weight.index_select(1, columns).t().contiguous();
        table.requires_grad_(true);
        var output = Bag(table, BatchTensors.Rows(_entryTableRows, rows.NonZeros, weight.device), rows);
        return (output, new TouchedColumns(weight, columns, columnIds, count, table));
    }

    private Parameter Weight => _linear.weight ?? throw new InvalidOperationException("The network's first Linear has no weight.");

    /// <summary>Row r of the output: the sum of the table rows its entries name (<paramref name="tableRows"/>), scaled by their values, plus the bias.</summary>
    private Tensor Bag(Tensor table, Tensor tableRows, SparseRows rows)
    {
        if (_entryRows.Length < rows.NonZeros) _entryRows = new long[rows.Columns.Length];
        for (int row = 0; row < rows.Rows; row++)
        {
            long end = row + 1 < rows.Rows ? rows.RowStarts[row + 1] : rows.NonZeros;
            for (long k = rows.RowStarts[row]; k < end; k++) _entryRows[k] = row;
        }
        var device = table.device;
        var terms = table
            .index_select(0, tableRows)
            .mul_(BatchTensors.Rows(rows.Values, rows.NonZeros, device).unsqueeze(1));
        var output = zeros(rows.Rows, table.shape[1], device: device)
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
