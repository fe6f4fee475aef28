using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Numerics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Scoring;

/// <summary>
/// Reads a batch ahead on one cursor of the prepared view, scores it, then hands the rows out
/// while a second cursor over the pool supplies the pool's own columns (only when asked for).
/// </summary>
internal sealed class ScoringCursor : DataViewRowCursor
{
    private readonly ScoredPoolView _view;
    private readonly bool[] _active;
    private readonly DataViewRowCursor _ahead;
    private readonly DataViewRowCursor? _out;
    private readonly BoundInference _binding;
    private readonly InferenceReader _reader;
    private readonly Func<long> _currentId;
    private readonly int _stripe;
    private readonly int _stripes;
    private readonly int _batchSize;
    private long _batchNumber;
    private long _batch;
    private long _poolRows;
    private long _aheadPosition = -1;
    private long _position = -1;
    private long[] _ids;
    private float[] _scores;
    private ProbabilityTensor? _probabilities;
    private float[]? _embeddings;
    private double[]? _mean;
    private int _count;
    private int _index;
    private bool _done;

    public ScoringCursor(ScoredPoolView view, IEnumerable<DataViewSchema.Column> columnsNeeded, int stripe, int stripes)
    {
        _view = view;
        _stripe = stripe;
        _stripes = stripes;
        _batchSize = view.Options.BatchSize;
        _active = new bool[view.Schema.Count];
        foreach (var column in columnsNeeded) _active[column.Index] = true;

        _binding = view.Session.Binding;
        var aheadColumns = _binding.InputColumns(view.Prepared.Schema).ToList();
        if (view.IdColumn is { } idColumn) aheadColumns.Add(idColumn);
        _ahead = view.Prepared.GetRowCursor(aheadColumns);
        _reader = _binding.CreateReader(_ahead);
        _currentId = view.IdColumn is { } id ? IdReader.Create(_ahead, id) : () => _aheadPosition;

        var poolColumns = view.Pool.Schema.Where(c => _active[c.Index]).ToArray();
        if (poolColumns.Length > 0) _out = view.Pool.GetRowCursor(poolColumns);
        _ids = new long[_batchSize];
        _scores = new float[_batchSize];
    }

    public override DataViewSchema Schema => _view.Schema;

    public override long Position => _position;

    /// <summary>The pool batch the current row belongs to: batch b is only ever handed out by cursor b mod n of a set.</summary>
    public override long Batch => _batch;

    public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

    public override ValueGetter<DataViewRowId> GetIdGetter() =>
        (ref DataViewRowId value) => value = new DataViewRowId((ulong)_ids[_index], 0);

    public override bool MoveNext()
    {
        if (_done) return false;
        if (_count > 0 && _index + 1 < _count)
        {
            _index++;
            MovePool();
            _position++;
            return true;
        }
        if (!LoadOwnBatch())
        {
            _done = true;
            return false;
        }
        _index = 0;
        MovePool();
        _position++;
        return true;
    }

    private bool LoadOwnBatch()
    {
        while (true)
        {
            long number = _batchNumber++;
            bool mine = number % _stripes == _stripe;
            if (!mine)
            {
                if (Skip(_batchSize) == 0) return false;
                continue;
            }
            _count = 0;
            var next = _reader.Next(_batchSize, OnRow);
            if (next is not { } batch) return false;
            _batch = number;
            _probabilities = batch.Probabilities;
            _embeddings = batch.Embeddings;
            var ids = _count == _ids.Length ? _ids : _ids[.._count];
            CheckSums(_probabilities, ids);
            var acquisition = new AcquisitionBatch(_probabilities, ids, _embeddings, _binding.EmbeddingSize);
            _view.Strategy.Score(acquisition, _scores.AsSpan(0, _count));
            for (int i = 0; i < _count; i++)
            {
                if (float.IsNaN(_scores[i]))
                    throw new InvalidOperationException(
                        $"Strategy {_view.Strategy.Name} gave a NaN score to row {_ids[i]}; check that row's features and the learner's probabilities.");
            }
            return true;
        }
    }

    /// <summary>Refuses rows whose sums are off by more than the option's tolerance; rescales those the strategies would refuse.</summary>
    private void CheckSums(ProbabilityTensor probabilities, long[] ids)
    {
        double tolerance = _view.Options.ProbabilityTolerance;
        try
        {
            probabilities.Validate(tolerance, ids);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{e.Message} AcquisitionScorerOptions.ProbabilityTolerance sets how far from 1 a row's sum may be.", e);
        }
        if (tolerance > StrategyTolerance) probabilities.RescaleRowsOff(StrategyTolerance);
    }

    /// <summary>The tolerance strategies check sums with (<see cref="ProbabilityTensor.Validate"/>'s default).</summary>
    private const double StrategyTolerance = 1e-3;

    private void OnRow()
    {
        _aheadPosition++;
        _ids[_count++] = _currentId();
    }

    private int Skip(int rows)
    {
        int skipped = 0;
        while (skipped < rows && _ahead.MoveNext())
        {
            _aheadPosition++;
            MovePool();
            skipped++;
        }
        return skipped;
    }

    /// <summary>Moves the pool's own cursor with the learner's: the learner must keep the pool's rows one for one.</summary>
    private void MovePool()
    {
        if (_out is null) return;
        if (!_out.MoveNext())
            throw new InvalidOperationException(
                $"The learner's output has more rows than the pool: the pool ended after {_poolRows} rows. The scorer needs a learner that keeps the pool's rows one for one.");
        _poolRows++;
    }

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!_active[column.Index])
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when this cursor was created.");
        var columns = _view.Columns;
        if (column.Index < columns.PoolColumnCount)
            return _out!.GetGetter<TValue>(_view.Pool.Schema[column.Index]);
        Delegate getter = column.Index switch
        {
            _ when column.Index == columns.Score => (ValueGetter<float>)((ref float value) => value = _scores[_index]),
            _ when column.Index == columns.RowId => (ValueGetter<long>)((ref long value) => value = _ids[_index]),
            _ when column.Index == columns.MeanProbabilities => (ValueGetter<VBuffer<float>>)GetMean,
            _ when column.Index == columns.Probabilities => (ValueGetter<VBuffer<float>>)GetProbabilities,
            _ when column.Index == columns.Embedding => (ValueGetter<VBuffer<float>>)GetEmbedding,
            _ => throw new ArgumentOutOfRangeException(nameof(column), column.Name, "Not a column of this view."),
        };
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' is of type {column.Type}, not {typeof(TValue).Name}.");
    }

    private void GetMean(ref VBuffer<float> value)
    {
        var p = _probabilities!;
        _mean ??= new double[p.Classes];
        p.MeanOf(_index, _mean);
        var editor = VBufferEditor.Create(ref value, p.Classes);
        for (int c = 0; c < p.Classes; c++) editor.Values[c] = (float)_mean[c];
        value = editor.Commit();
    }

    private void GetProbabilities(ref VBuffer<float> value)
    {
        var p = _probabilities!;
        var editor = VBufferEditor.Create(ref value, p.Iterations * p.Classes);
        for (int t = 0; t < p.Iterations; t++) p[t, _index].CopyTo(editor.Values.Slice(t * p.Classes, p.Classes));
        value = editor.Commit();
    }

    private void GetEmbedding(ref VBuffer<float> value)
    {
        int size = _binding.EmbeddingSize;
        var editor = VBufferEditor.Create(ref value, size);
        _embeddings.AsSpan(_index * size, size).CopyTo(editor.Values);
        value = editor.Commit();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _reader.Dispose();
            _ahead.Dispose();
            _out?.Dispose();
        }
        base.Dispose(disposing);
    }
}
