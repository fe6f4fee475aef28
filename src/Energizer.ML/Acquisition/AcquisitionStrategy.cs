namespace Energizer.ML.Acquisition;

/// <summary>
/// Scores pool rows by how much their label is worth: a higher score means more worth labelling.
/// Strategies are pure functions of the probabilities (and embeddings); they keep no state
/// between calls, so one instance can score many batches, in parallel.
/// </summary>
/// <remarks>
/// Pointwise strategies score each row on its own, so a pool is scored batch by batch and only a
/// running top-k is kept. Batch-aware strategies (<see cref="IsBatchAware"/>: BatchBALD, CoreSet,
/// BADGE, pre-filters) pick k rows jointly: the scorer first keeps the top M candidates by
/// <see cref="Score"/> (their pre-filter score), then calls <see cref="Select"/> on those M.
/// </remarks>
public abstract class AcquisitionStrategy
{
    /// <summary>A short name for reports and plots, e.g. "Entropy" or "BALD".</summary>
    public abstract string Name { get; }

    /// <summary>True when <see cref="Select"/> picks rows jointly rather than by the top scores.</summary>
    public virtual bool IsBatchAware => false;

    /// <summary>True when the batch must carry embeddings (diversity methods).</summary>
    public virtual bool NeedsEmbeddings => false;

    /// <summary>
    /// Writes one score per row of <paramref name="batch"/> into <paramref name="scores"/>
    /// (for batch-aware strategies: the pre-filter score).
    /// </summary>
    public abstract void Score(AcquisitionBatch batch, Span<float> scores);

    /// <summary>
    /// Picks <paramref name="k"/> of the candidate rows, best first, returned as positions in
    /// <paramref name="candidates"/>. The default takes the top <paramref name="k"/> scores,
    /// ties broken by the lower row id.
    /// </summary>
    /// <param name="candidates">The rows to choose from.</param>
    /// <param name="k">How many to pick; 1 ≤ k ≤ candidates.Count.</param>
    /// <param name="labelledEmbeddings">Embeddings of rows already labelled (row-major, same width as the
    /// candidates'), used by diversity methods as existing centres; null when none.</param>
    public virtual int[] Select(AcquisitionBatch candidates, int k, ReadOnlyMemory<float>? labelledEmbeddings = null)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        CheckK(k, candidates.Count);
        var scores = new float[candidates.Count];
        Score(candidates, scores);
        var order = Enumerable.Range(0, candidates.Count).ToArray();
        var ids = candidates.RowIds;
        Array.Sort(order, (a, b) =>
        {
            int byScore = scores[b].CompareTo(scores[a]);
            return byScore != 0 ? byScore : ids[a].CompareTo(ids[b]);
        });
        return order[..k];
    }

    /// <summary>Throws when <paramref name="k"/> is not in [1, <paramref name="candidates"/>].</summary>
    protected static void CheckK(int k, int candidates)
    {
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        if (k > candidates)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k = {k} is larger than the {candidates} candidate rows.");
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
