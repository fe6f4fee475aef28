namespace Energizer.ML.Scoring;

/// <summary>The rows chosen by <see cref="TopKSelector"/>, best first.</summary>
public sealed class Selection
{
    internal Selection(long[] rowIds, float[] scores, int requested, long unlabelledRows)
    {
        RowIds = rowIds;
        Scores = scores;
        Requested = requested;
        UnlabelledRows = unlabelledRows;
    }

    /// <summary>
    /// Seconds of the streaming pass over the pool: reading rows, the learner's inference, the
    /// strategy's scores and the running top k (they interleave batch by batch, so they are one figure).
    /// </summary>
    public double ScanSeconds { get; internal init; }

    /// <summary>Seconds of the joint pick among the candidates of a batch-aware strategy (BatchBALD, CoreSet, BADGE); 0 for the others.</summary>
    public double PickSeconds { get; internal init; }

    /// <summary>What scored the pool (see <see cref="ScoringSession.Engine"/>); null when the pool scorer does not say.</summary>
    public string? Engine { get; internal set; }

    /// <summary>The selected row ids, best first.</summary>
    public IReadOnlyList<long> RowIds { get; }

    /// <summary>The score of each selected row (for batch-aware strategies: the pre-filter score).</summary>
    public IReadOnlyList<float> Scores { get; }

    /// <summary>k as asked for.</summary>
    public int Requested { get; }

    /// <summary>How many unlabelled rows the pool had.</summary>
    public long UnlabelledRows { get; }

    /// <summary>True when the pool had fewer unlabelled rows than k, so all of them were selected.</summary>
    public bool SelectedAllUnlabelled => UnlabelledRows <= Requested;

    /// <inheritdoc />
    public override string ToString() =>
        SelectedAllUnlabelled
            ? $"{RowIds.Count} rows selected: all the unlabelled rows ({UnlabelledRows}), fewer than the {Requested} asked for"
            : $"{RowIds.Count} rows selected of {UnlabelledRows} unlabelled";
}
