using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Torch;

/// <summary>
/// Labelled rows read once per fit into contiguous buffers, so every epoch can visit them in a
/// fresh seeded order; batches are gathered into reused buffers, never a tensor per row.
/// Dense rows are kept dense (rows × features floats). When the first row comes sparse (e.g.
/// n-grams from <c>FeaturizeText</c>), every row's non-zeros are kept instead (compressed rows:
/// memory rows × non-zeros), and a batch is gathered by clearing it and scattering them, which
/// gives the same batch, bit for bit, as the dense path.
/// </summary>
internal sealed class TrainingSet
{
    private float[] _features = [];
    private long[] _labels = new long[256];
    private bool? _sparse;
    private int[] _indices = [];
    private float[] _values = [];
    private long[] _rowStarts = new long[257];
    private int _sparseRows;
    private long[] _batchColumns = [];
    private long[] _batchRowStarts = [];
    private float[] _batchValues = [];

    private TrainingSet(int featureCount)
    {
        FeatureCount = featureCount;
    }

    public int FeatureCount { get; }

    public int Count { get; private set; }

    public long SkippedRows { get; private set; }

    /// <summary>True when the rows are kept as their non-zeros (the first row read was sparse).</summary>
    public bool IsSparse => _sparse == true;

    public ReadOnlySpan<long> Labels => _labels.AsSpan(0, Count);

    public static TrainingSet Read(IDataView data, TorchClassifierOptions options, CancellationToken cancellationToken)
    {
        var schema = data.Schema;
        using var cursor = data.GetRowCursor([schema[options.FeatureColumnName], schema[options.LabelColumnName]]);
        var reader = new FeatureBatchReader(cursor, options.FeatureColumnName, options.BatchSize, options.LabelColumnName);
        var set = new TrainingSet(reader.FeatureCount);
        reader.RowRead = set.AppendRow;
        while (reader.ReadBatch())
        {
            cancellationToken.ThrowIfCancellationRequested();
            set.AppendBatch(reader);
        }
        set.SkippedRows = reader.SkippedRows;
        return set;
    }

    /// <summary>Keeps a sparse set's rows as their non-zeros; the first row decides the storage.</summary>
    private void AppendRow(VBuffer<float> row)
    {
        _sparse ??= !row.IsDense;
        if (_sparse == false) return;
        var values = row.GetValues();
        var indices = row.IsDense ? default : row.GetIndices();
        long start = _rowStarts[_sparseRows];
        long needed = start + values.Length;
        if (needed > _values.Length)
        {
            int capacity = (int)Math.Min(Array.MaxLength, Math.Max(needed, Math.Max(1024, _values.Length * 2L)));
            Array.Resize(ref _values, capacity);
            Array.Resize(ref _indices, capacity);
        }
        long end = start;
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] == 0) continue;
            _indices[end] = row.IsDense ? i : indices[i];
            _values[end] = values[i];
            end++;
        }
        if (_sparseRows + 2 > _rowStarts.Length) Array.Resize(ref _rowStarts, _rowStarts.Length * 2);
        _rowStarts[++_sparseRows] = end;
    }

    private void AppendBatch(FeatureBatchReader batch)
    {
        int needed = Count + batch.Count;
        if (needed > _labels.Length)
        {
            int capacity = Math.Max(needed, _labels.Length * 2);
            Array.Resize(ref _labels, capacity);
        }
        if (!IsSparse)
        {
            if (_features.Length < needed * FeatureCount) Array.Resize(ref _features, checked(_labels.Length * FeatureCount));
            batch.Features.AsSpan(0, batch.Count * FeatureCount).CopyTo(_features.AsSpan(Count * FeatureCount));
        }
        batch.Labels.AsSpan(0, batch.Count).CopyTo(_labels.AsSpan(Count));
        Count = needed;
    }

    /// <summary>Copies rows <paramref name="order"/>[start .. start+rows) into the batch buffers.</summary>
    public void Gather(ReadOnlySpan<int> order, int start, int rows, float[] features, long[] labels)
    {
        if (IsSparse) features.AsSpan(0, rows * FeatureCount).Clear();
        for (int i = 0; i < rows; i++)
        {
            int row = order[start + i];
            labels[i] = _labels[row];
            if (!IsSparse)
            {
                _features.AsSpan(row * FeatureCount, FeatureCount).CopyTo(features.AsSpan(i * FeatureCount));
                continue;
            }
            var target = features.AsSpan(i * FeatureCount, FeatureCount);
            for (long k = _rowStarts[row]; k < _rowStarts[row + 1]; k++) target[_indices[k]] = _values[k];
        }
    }

    /// <summary>
    /// Rows <paramref name="order"/>[start .. start+rows) of a sparse set as their non-zeros, in
    /// buffers reused by the next call; their labels into <paramref name="labels"/>.
    /// </summary>
    public SparseRows GatherSparse(ReadOnlySpan<int> order, int start, int rows, long[] labels)
    {
        if (!IsSparse) throw new InvalidOperationException("The training rows are stored dense.");
        if (_batchRowStarts.Length < rows) _batchRowStarts = new long[rows];
        long nonZeros = 0;
        for (int i = 0; i < rows; i++)
        {
            int row = order[start + i];
            nonZeros += _rowStarts[row + 1] - _rowStarts[row];
        }
        if (_batchColumns.Length < nonZeros)
        {
            _batchColumns = new long[nonZeros];
            _batchValues = new float[nonZeros];
        }
        int entry = 0;
        for (int i = 0; i < rows; i++)
        {
            int row = order[start + i];
            labels[i] = _labels[row];
            _batchRowStarts[i] = entry;
            for (long k = _rowStarts[row]; k < _rowStarts[row + 1]; k++, entry++)
            {
                _batchColumns[entry] = _indices[k];
                _batchValues[entry] = _values[k];
            }
        }
        return new SparseRows(rows, entry, _batchColumns, _batchRowStarts, _batchValues);
    }
}
