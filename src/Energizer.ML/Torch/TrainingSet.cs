using Microsoft.ML;

namespace Energizer.ML.Torch;

/// <summary>
/// Labelled rows read once per fit into one contiguous buffer, so every epoch can visit them in
/// a fresh seeded order; batches are gathered into reused buffers, never a tensor per row.
/// Memory: rows × features floats.
/// </summary>
internal sealed class TrainingSet
{
    private float[] _features;
    private long[] _labels;

    private TrainingSet(int featureCount)
    {
        FeatureCount = featureCount;
        _features = new float[featureCount * 256];
        _labels = new long[256];
    }

    public int FeatureCount { get; }

    public int Count { get; private set; }

    public long SkippedRows { get; private set; }

    public ReadOnlySpan<long> Labels => _labels.AsSpan(0, Count);

    public static TrainingSet Read(IDataView data, TorchClassifierOptions options, CancellationToken cancellationToken)
    {
        var schema = data.Schema;
        using var cursor = data.GetRowCursor([schema[options.FeatureColumnName], schema[options.LabelColumnName]]);
        var reader = new FeatureBatchReader(cursor, options.FeatureColumnName, options.BatchSize, options.LabelColumnName);
        var set = new TrainingSet(reader.FeatureCount);
        while (reader.ReadBatch())
        {
            cancellationToken.ThrowIfCancellationRequested();
            set.Append(reader);
        }
        set.SkippedRows = reader.SkippedRows;
        return set;
    }

    private void Append(FeatureBatchReader batch)
    {
        int needed = Count + batch.Count;
        if (needed > _labels.Length)
        {
            int capacity = Math.Max(needed, _labels.Length * 2);
            Array.Resize(ref _labels, capacity);
            Array.Resize(ref _features, checked(capacity * FeatureCount));
        }
        batch.Features.AsSpan(0, batch.Count * FeatureCount).CopyTo(_features.AsSpan(Count * FeatureCount));
        batch.Labels.AsSpan(0, batch.Count).CopyTo(_labels.AsSpan(Count));
        Count = needed;
    }

    /// <summary>Copies rows <paramref name="order"/>[start .. start+rows) into the batch buffers.</summary>
    public void Gather(ReadOnlySpan<int> order, int start, int rows, float[] features, long[] labels)
    {
        for (int i = 0; i < rows; i++)
        {
            int row = order[start + i];
            _features.AsSpan(row * FeatureCount, FeatureCount).CopyTo(features.AsSpan(i * FeatureCount));
            labels[i] = _labels[row];
        }
    }
}
