using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Microsoft.ML;

namespace Energizer.ML.Scoring;

/// <summary>
/// The lazy output of a <see cref="ScoringSession"/>: the pool's columns plus the acquisition
/// score (and row id, mean probabilities, batch-aware payload). Nothing is scored until a cursor
/// moves; each cursor reads one batch ahead, scores it, hands rows out.
/// </summary>
internal sealed class ScoredPoolView : IDataView
{
    public ScoredPoolView(ScoringSession session, BoundInference binding)
    {
        Session = session;
        Columns = ScoredColumns.Create(session.Options, binding.Shape, session.Pool.Schema, session.Strategy);
        Prepared = binding.Prepare(session.Pool);
        if (session.Options.IdColumnName is { } id)
            IdColumn = Prepared.Schema.GetColumnOrNull(id) ?? throw new ArgumentException($"Id column '{id}' is not in the pool.", nameof(session));
    }

    public ScoringSession Session { get; }

    public IDataView Pool => Session.Pool;

    public AcquisitionStrategy Strategy => Session.Strategy;

    public AcquisitionScorerOptions Options => Session.Options;

    public ScoredColumns Columns { get; }

    public IDataView Prepared { get; }

    public DataViewSchema.Column? IdColumn { get; }

    public bool CanShuffle => false;

    public DataViewSchema Schema => Columns.Schema;

    public long? GetRowCount() => Pool.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new ScoringCursor(this, columnsNeeded, stripe: 0, stripes: 1);

    /// <summary>
    /// Splits the pool into <paramref name="n"/> stripes of whole batches (batch b goes to
    /// cursor b mod n). Every cursor walks the whole pool but scores only its own batches, so
    /// the n cursors can score on n threads; row ids stay pool positions.
    /// </summary>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var needed = columnsNeeded.ToArray();
        if (n <= 1) return [GetRowCursor(needed, rand)];
        return [.. Enumerable.Range(0, n).Select(i => (DataViewRowCursor)new ScoringCursor(this, needed, i, n))];
    }
}
