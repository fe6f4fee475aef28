using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Torch;

/// <summary>
/// Reads rows of a known-size <see cref="float"/> vector column (and optionally a key-typed label)
/// from a cursor into one reused buffer, a batch at a time, checking that every feature is
/// finite. No tensor is made per row: <see cref="FeaturesTensor"/> copies the whole batch at once.
/// Sparse rows (e.g. from <c>FeaturizeText</c>) keep only their explicit values (checked and
/// listed for <see cref="SparseBatch"/>); they are scattered into zeroed rows of
/// <see cref="Features"/> only when that is read, so a sparse batch scored through its non-zeros
/// never costs a dense copy, clear or scan of every slot.
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
        _dense = new float[checked(batchSize * FeatureCount)];
        Labels = labelColumnName is null ? [] : new long[batchSize];
        Positions = new long[batchSize];
        _sparseRowStarts = new long[batchSize];
        _sparseRowLengths = new int[batchSize];
        Row = row;
    }

    private DataViewRow Row { get; }

    /// <summary>Features per row.</summary>
    public int FeatureCount { get; }

    /// <summary>The most rows per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Row-major features, <see cref="BatchSize"/>×<see cref="FeatureCount"/>; the first <see cref="Count"/> rows hold the current batch.</summary>
    public float[] Features
    {
        get
        {
            if (_sparseRowsPending) Densify();
            return _dense;
        }
    }

    private readonly float[] _dense;
    private bool _sparseRowsPending;

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
        Clear();
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
        Clear();
        Append();
        if (Count == 0) throw new InvalidOperationException("The row's label key is missing (0).");
    }

    private void Clear()
    {
        Count = 0;
        _sparseCount = 0;
        _allSparse = true;
        _sparseRowsPending = false;
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
        var values = _row.GetValues();
        if (_row.IsDense)
        {
            _allSparse = false;
            _sparseRowLengths[Count] = -1;
            values.CopyTo(_dense.AsSpan(Count * FeatureCount, FeatureCount));
            for (int i = 0; i < values.Length; i++)
            {
                if (!float.IsFinite(values[i])) throw NotFinite(values[i], i);
            }
        }
        else
        {
            var indices = _row.GetIndices();
            Reserve(values.Length);
            _sparseRowStarts[Count] = _sparseCount;
            _sparseRowLengths[Count] = values.Length;
            _sparseRowsPending = true;
            for (int i = 0; i < values.Length; i++)
            {
                if (!float.IsFinite(values[i])) throw NotFinite(values[i], indices[i]);
                _sparseColumns[_sparseCount] = indices[i];
                _sparseValues[_sparseCount++] = values[i];
            }
        }
        RowRead?.Invoke(_row);
        Positions[Count] = Row.Position;
        Count++;
    }

    /// <summary>Writes the batch's sparse rows into their zeroed rows of the dense buffer.</summary>
    private void Densify()
    {
        for (int row = 0; row < Count; row++)
        {
            int length = _sparseRowLengths[row];
            if (length < 0) continue;
            var destination = _dense.AsSpan(row * FeatureCount, FeatureCount);
            destination.Clear();
            int start = (int)_sparseRowStarts[row];
            for (int i = start; i < start + length; i++) destination[(int)_sparseColumns[i]] = _sparseValues[i];
        }
        _sparseRowsPending = false;
    }

    private readonly long[] _sparseRowStarts;
    private readonly int[] _sparseRowLengths;
    private long[] _sparseColumns = [];
    private float[] _sparseValues = [];
    private int _sparseCount;
    private bool _allSparse;

    private void Reserve(int more)
    {
        if (_sparseCount + more <= _sparseValues.Length) return;
        int size = Math.Max(_sparseCount + more, _sparseValues.Length * 2);
        Array.Resize(ref _sparseColumns, size);
        Array.Resize(ref _sparseValues, size);
    }

    /// <summary>
    /// True when every row of the current batch came sparse and at most
    /// <paramref name="maxDensity"/> of its cells are explicit: then <see cref="SparseBatch"/>
    /// holds the batch with far fewer values than <see cref="FeaturesTensor"/>.
    /// </summary>
    internal bool IsSparseBatch(double maxDensity) => Count > 0 && _allSparse && _sparseCount <= maxDensity * Count * FeatureCount;

    /// <summary>The current batch, all of whose rows came sparse, as its explicit entries.</summary>
    internal SparseRows SparseBatch()
    {
        if (!_allSparse) throw new InvalidOperationException("The batch has rows stored dense; read it with FeaturesTensor.");
        return new SparseRows(Count, _sparseCount, _sparseColumns, _sparseRowStarts, _sparseValues);
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
