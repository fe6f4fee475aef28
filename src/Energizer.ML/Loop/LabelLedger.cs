using Energizer.ML.Numerics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Loop;

/// <summary>
/// The labels of a run: checks each oracle answer against the label column's type and
/// <see cref="ActiveLearningOptions.ValidLabels"/>, records the valid ones in the checkpoint state
/// with their round, splits them into training and validation rows, and serves them as a view of
/// the pool with the label column filled in.
/// </summary>
internal sealed class LabelLedger
{
    private readonly MLContext _context;
    private readonly ActiveLearningOptions _options;
    private readonly IDataView _pool;
    private readonly Checkpoint _state;
    private readonly Dictionary<long, object> _labels = [];

    /// <summary>Starts from the labels <paramref name="state"/> holds (none for a new run).</summary>
    public LabelLedger(MLContext context, ActiveLearningOptions options, IDataView pool, DataViewType labelType, Checkpoint state)
    {
        _context = context;
        _options = options;
        _pool = pool;
        _state = state;
        LabelType = labelType;
        foreach (var record in state.Labels) _labels[record.RowId] = LabelValues.Parse(record.Label, labelType);
    }

    /// <summary>The label column's type: the pool's, or <see cref="ActiveLearningOptions.LabelType"/> for a pool without one.</summary>
    public DataViewType LabelType { get; }

    /// <summary>The labels by row id, as the label column's raw type.</summary>
    public IReadOnlyDictionary<long, object> Labels => _labels;

    /// <summary>
    /// Records one answer to the pending selection (<paramref name="asked"/>); returns why it was
    /// rejected, or null. <paramref name="answered"/> collects the rows answered so far.
    /// </summary>
    public string? Accept(OracleAnswer answer, HashSet<long> asked, HashSet<long> answered)
    {
        if (!asked.Contains(answer.RowId)) return $"The oracle answered about row {answer.RowId}, which it was not asked about; the answer was ignored.";
        if (answer.Retracts) return Retract(answer.RowId, answered);
        if (!answered.Add(answer.RowId)) return $"The oracle answered twice about row {answer.RowId}; the second answer was ignored.";
        _state.PendingAnswered.Add(answer.RowId);
        if (answer.Label is null) return null;
        object label;
        try
        {
            label = LabelValues.Normalize(answer.Label, LabelType);
        }
        catch (FormatException e)
        {
            return $"Row {answer.RowId}, column '{_options.LabelColumnName}': {e.Message}; the row stays unlabelled.";
        }
        if (LabelValues.IsMissing(label, LabelType))
            return $"Row {answer.RowId}: the label '{LabelValues.Format(label)}' is a missing value (NaN, empty text or key 0) in column '{_options.LabelColumnName}'; the row stays unlabelled.";
        if (_options.ValidLabels is { } valid && !valid.Contains(LabelValues.Format(label)))
            return $"Row {answer.RowId}: label '{LabelValues.Format(label)}' is not one of {string.Join(", ", valid)}; the row stays unlabelled.";
        _labels[answer.RowId] = label;
        _state.Labels.Add(new Checkpoint.LabelRecord(answer.RowId, LabelValues.Format(label), _state.Pending?.Round ?? -1));
        return null;
    }

    private string? Retract(long rowId, HashSet<long> answered)
    {
        if (!answered.Remove(rowId)) return $"The oracle took back its answer about row {rowId}, which it had not answered in this query; nothing changed.";
        _state.PendingAnswered.Remove(rowId);
        if (_labels.Remove(rowId)) _state.Labels.RemoveAll(record => record.RowId == rowId);
        return null;
    }

    /// <summary>
    /// Holds out <see cref="ActiveLearningOptions.ValidationFraction"/> of each class's labelled
    /// rows (at least one per class stays for training), chosen by a seeded hash of the row id.
    /// </summary>
    public (HashSet<long> Train, HashSet<long> Validation) SplitForValidation()
    {
        var all = _labels.Keys.ToHashSet();
        if (_options.ValidationFraction == 0) return (all, []);
        var validation = new HashSet<long>();
        foreach (var group in _labels.GroupBy(kv => LabelValues.Format(kv.Value)))
        {
            var ordered = group.Select(kv => kv.Key).OrderBy(id => SeededHash.Bits(_options.Seed, SeededHash.ValidationStream, id)).ToList();
            int take = (int)Math.Floor(ordered.Count * _options.ValidationFraction);
            foreach (long id in ordered.Take(Math.Min(take, ordered.Count - 1))) validation.Add(id);
        }
        all.ExceptWith(validation);
        return (all, validation);
    }

    /// <summary>The pool rows <paramref name="ids"/> with their labels in the label column.</summary>
    public IDataView View(IReadOnlySet<long> ids)
    {
        // Cached: trainers such as L-BFGS pass over their data many times, and the subset view
        // would otherwise walk the whole pool each time.
        return _context.Data.Cache(
            new PoolSubsetView(_pool, _options.IdColumnName, ids, (_options.LabelColumnName, LabelType, _labels), rowIdColumnName: null));
    }
}
