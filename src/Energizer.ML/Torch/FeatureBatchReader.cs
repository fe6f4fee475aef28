using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Torch;

/// <summary>
/// Reads rows of a known-size <see cref="float"/> vector column (and optionally a key-typed label)
/// from a cursor into one reused buffer, a batch at a time, checking that every feature is
/// finite. No tensor is made per row: <see cref="FeaturesTensor"/> copies the whole batch at once.
/// Sparse rows (e.g. from <c>FeaturizeText</c>) are scattered into the zeroed row of the batch and
/// only their explicit values are checked, so a row costs its non-zero count plus one clear, never
/// a dense copy and scan of every slot.
/// </summary>
public sealed class FeatureBatchReader
{
    private readonly DataViewRowCursor? _cursor;
    private readonly ValueGetter<VBuffer<float>> _features;
    private readonly ValueGetter<uint>? _label;
    private readonly string _featureColumnName;
    private VBuffer<float> _row;

    /// <summary>Reads from <paramref name="cursor"/>, which must have the feature (and label) column active; the caller keeps ownership of it.</summary>
    /// <param name="cursor">Where the rows come from; <see cref="ReadBatch"/> moves it.</param>
    /// <param name="featureColumnName">A known-size vector of <see cref="float"/>.</param>
    /// <param name="batchSize">The most rows per batch.</param>
    /// <param name="labelColumnName">A key-typed (<see cref="uint"/>) label to read into <see cref="Labels"/>; rows whose key is missing (0) are skipped.</param>
    public FeatureBatchReader(DataViewRowCursor cursor, string featureColumnName, int batchSize, string? labelColumnName = null)
        : this((DataViewRow)cursor, featureColumnName, batchSize, labelColumnName)
    {
        _cursor = cursor;
    }

    /// <summary>A reader of single rows for <see cref="ReadCurrentRow"/>.</summary>
    internal FeatureBatchReader(DataViewRow row, string featureColumnName, int batchSize, string? labelColumnName)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(batchSize, 0);
        _featureColumnName = featureColumnName;
        FeatureCount = TorchClassifierSchema.CheckFeatures(row.Schema, featureColumnName);
        BatchSize = batchSize;
        _features = row.GetGetter<VBuffer<float>>(row.Schema[featureColumnName]);
        if (labelColumnName is not null)
        {
            TorchClassifierSchema.CheckLabel(row.Schema, labelColumnName);
            _label = row.GetGetter<uint>(row.Schema[labelColumnName]);
        }
        Features = new float[checked(batchSize * FeatureCount)];
        Labels = labelColumnName is null ? [] : new long[batchSize];
        Positions = new long[batchSize];
        Row = row;
    }

    private DataViewRow Row { get; }

    /// <summary>Features per row.</summary>
    public int FeatureCount { get; }

    /// <summary>The most rows per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Row-major features, <see cref="BatchSize"/>×<see cref="FeatureCount"/>; the first <see cref="Count"/> rows hold the current batch.</summary>
    public float[] Features { get; }

    /// <summary>0-based class index (key − 1) of each row of the batch; empty without a label column.</summary>
    public long[] Labels { get; }

    /// <summary>The cursor position of each row of the batch.</summary>
    public long[] Positions { get; }

    /// <summary>Rows in the current batch.</summary>
    public int Count { get; private set; }

    /// <summary>Rows skipped so far because their label key was missing (0).</summary>
    public long SkippedRows { get; private set; }

    /// <summary>Moves the cursor over up to <see cref="BatchSize"/> rows into the buffers; false when no row was left.</summary>
    /// <exception cref="InvalidOperationException">A feature is NaN or infinite (the message names the row and slot).</exception>
    /// <param name="onRow">Called after each move of the cursor, before the row is read (e.g. to read an id column).</param>
    public bool ReadBatch(Action? onRow = null)
    {
        if (_cursor is null) throw new InvalidOperationException("This reader reads single rows; construct it from a cursor to read batches.");
        Count = 0;
        _sparseCount = 0;
        _allSparse = true;
        while (Count < BatchSize && _cursor.MoveNext())
        {
            onRow?.Invoke();
            Append();
        }
        return Count > 0;
    }

    /// <summary>Makes the row the reader was built on its whole batch.</summary>
    internal void ReadCurrentRow()
    {
        Count = 0;
        _sparseCount = 0;
        _allSparse = true;
        Append();
        if (Count == 0) throw new InvalidOperationException("The row's label key is missing (0).");
    }

    private void Append()
    {
        if (_label is not null)
        {
            uint key = 0;
            _label(ref key);
            if (key == 0)
            {
                SkippedRows++;
                return;
            }
            Labels[Count] = key - 1;
        }
        _features(ref _row);
        var destination = Features.AsSpan(Count * FeatureCount, FeatureCount);
        var values = _row.GetValues();
        if (_row.IsDense)
        {
            _allSparse = false;
            values.CopyTo(destination);
            for (int i = 0; i < values.Length; i++)
            {
                if (!float.IsFinite(values[i])) throw NotFinite(values[i], i);
            }
        }
        else
        {
            var indices = _row.GetIndices();
            destination.Clear();
            Reserve(values.Length);
            for (int i = 0; i < values.Length; i++)
            {
                if (!float.IsFinite(values[i])) throw NotFinite(values[i], indices[i]);
                destination[indices[i]] = values[i];
                _sparseRows[_sparseCount] = Count;
                _sparseColumns[_sparseCount] = indices[i];
                _sparseValues[_sparseCount++] = values[i];
            }
        }
        RowRead?.Invoke(_row);
        Positions[Count] = Row.Position;
        Count++;
    }

    private long[] _sparseRows = [];
    private long[] _sparseColumns = [];
    private float[] _sparseValues = [];
    private int _sparseCount;
    private bool _allSparse;

    private void Reserve(int more)
    {
        if (_sparseCount + more <= _sparseValues.Length) return;
        int size = Math.Max(_sparseCount + more, _sparseValues.Length * 2);
        Array.Resize(ref _sparseRows, size);
        Array.Resize(ref _sparseColumns, size);
        Array.Resize(ref _sparseValues, size);
    }

    /// <summary>Batches with at most this share of explicit cells are handed to the network sparse.</summary>
    internal const double MaxSparseDensity = 0.1;

    /// <summary>
    /// Whether <paramref name="network"/> can take a sparse COO batch: a Sequential whose first
    /// child is a Linear (which multiplies only the non-zeros); later layers see dense activations.
    /// </summary>
    internal static bool TakesSparse(nn.Module<Tensor, Tensor> network) =>
        network is TorchSharp.Modules.Sequential { Count: >= 1 } sequential && sequential[0] is TorchSharp.Modules.Linear;

    /// <summary>
    /// True when every row of the current batch came sparse and at most
    /// <paramref name="maxDensity"/> of its cells are explicit: then <see cref="SparseFeaturesTensor"/>
    /// holds the batch with far fewer values than <see cref="FeaturesTensor"/>.
    /// </summary>
    internal bool IsSparseBatch(double maxDensity) => Count > 0 && _allSparse && _sparseCount <= maxDensity * Count * FeatureCount;

    /// <summary>The current batch as a sparse COO [<see cref="Count"/>, <see cref="FeatureCount"/>] tensor (rows in order, columns ascending within a row).</summary>
    internal Tensor SparseFeaturesTensor(Device? device = null)
    {
        var indices = new long[2 * _sparseCount];
        _sparseRows.AsSpan(0, _sparseCount).CopyTo(indices);
        _sparseColumns.AsSpan(0, _sparseCount).CopyTo(indices.AsSpan(_sparseCount));
        using var indexTensor = torch.tensor(indices, 2, _sparseCount);
        using var valueTensor = torch.tensor(_sparseValues.AsSpan(0, _sparseCount).ToArray());
        var sparse = torch.sparse_coo_tensor(indexTensor, valueTensor, [Count, FeatureCount]);
        if (device is null || device.type == DeviceType.CPU) return sparse;
        using (sparse) return sparse.to(device);
    }

    /// <summary>Called with each row's features as read (sparse or dense), after they are checked; lets the training set keep sparse rows sparse.</summary>
    internal Action<VBuffer<float>>? RowRead { get; set; }

    private InvalidOperationException NotFinite(float value, int slot) => new(
        $"Column '{_featureColumnName}' holds {value} at row {Row.Position} (0-based), slot {slot}: features must be finite numbers. Replace missing values first (e.g. ReplaceMissingValues).");

    /// <summary>The current batch as a [<see cref="Count"/>, <see cref="FeatureCount"/>] float32 tensor on <paramref name="device"/>. A copy: <see cref="Features"/> may change afterwards.</summary>
    public Tensor FeaturesTensor(Device? device = null) => BatchTensors.Rows(Features, Count, FeatureCount, device);

    /// <summary>The current batch's labels as a [<see cref="Count"/>] int64 tensor on <paramref name="device"/>. A copy.</summary>
    public Tensor LabelsTensor(Device? device = null) => BatchTensors.Rows(Labels, Count, device);
}
