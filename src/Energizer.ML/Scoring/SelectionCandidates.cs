namespace Energizer.ML.Scoring;

/// <summary>
/// One part of a pool's best rows before the final pick (<see cref="TopKSelector.Candidates"/>):
/// its top k (or, for a batch-aware strategy, its top M with the probabilities and embeddings
/// the joint pick reads), best first, and the counts that <see cref="TopKSelector.Merge"/> adds
/// up. A machine that scores a shard of the pool sends this, never a score per row.
/// </summary>
public sealed class SelectionCandidates
{
    /// <summary>Checks that every per-candidate array has one entry per row id.</summary>
    /// <param name="rowIds">The candidates' row ids, best first.</param>
    /// <param name="scores">Their scores.</param>
    /// <param name="probabilities">For a batch-aware strategy: each candidate's T×C probabilities, pass by pass; else null.</param>
    /// <param name="embeddings">For a strategy that needs embeddings: each candidate's embedding; else null.</param>
    /// <param name="labelledEmbeddings">The embeddings of the labelled rows this part saw (centres for diversity strategies).</param>
    /// <param name="seen">Rows this part read.</param>
    /// <param name="unlabelled">Rows this part could select (neither labelled nor excluded).</param>
    /// <param name="iterations">T, probability vectors per row (0 when <paramref name="probabilities"/> is null).</param>
    public SelectionCandidates(long[] rowIds, float[] scores, float[][]? probabilities, float[][]? embeddings,
        float[][] labelledEmbeddings, long seen, long unlabelled, int iterations)
    {
        ArgumentNullException.ThrowIfNull(rowIds);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labelledEmbeddings);
        if (scores.Length != rowIds.Length) throw new ArgumentException($"{scores.Length} scores for {rowIds.Length} row ids.", nameof(scores));
        if (probabilities is not null && probabilities.Length != rowIds.Length)
            throw new ArgumentException($"{probabilities.Length} probability vectors for {rowIds.Length} row ids.", nameof(probabilities));
        if (embeddings is not null && embeddings.Length != rowIds.Length)
            throw new ArgumentException($"{embeddings.Length} embeddings for {rowIds.Length} row ids.", nameof(embeddings));
        if (probabilities is not null && iterations < 1) throw new ArgumentOutOfRangeException(nameof(iterations), iterations, "T must be at least 1 with probabilities.");
        if (seen < 0 || unlabelled < 0 || unlabelled > seen)
            throw new ArgumentOutOfRangeException(nameof(unlabelled), unlabelled, $"Unlabelled rows must be in [0, seen = {seen}].");
        RowIds = rowIds;
        Scores = scores;
        Probabilities = probabilities;
        Embeddings = embeddings;
        LabelledEmbeddings = labelledEmbeddings;
        Seen = seen;
        Unlabelled = unlabelled;
        Iterations = iterations;
    }

    /// <summary>The candidates' row ids, best first (higher score, then lower id).</summary>
    public IReadOnlyList<long> RowIds { get; }

    /// <summary>The candidates' scores.</summary>
    public IReadOnlyList<float> Scores { get; }

    /// <summary>For a batch-aware strategy, each candidate's T×C probabilities (pass by pass); otherwise null.</summary>
    public IReadOnlyList<float[]>? Probabilities { get; }

    /// <summary>For a strategy that needs embeddings, each candidate's embedding; otherwise null.</summary>
    public IReadOnlyList<float[]>? Embeddings { get; }

    /// <summary>The embeddings of the labelled rows this part saw, in pool order (empty unless the strategy needs embeddings).</summary>
    public IReadOnlyList<float[]> LabelledEmbeddings { get; }

    /// <summary>Rows this part read.</summary>
    public long Seen { get; }

    /// <summary>Rows this part could select: neither labelled nor excluded.</summary>
    public long Unlabelled { get; }

    /// <summary>T, probability vectors per row; 0 without probabilities.</summary>
    public int Iterations { get; }

    /// <summary>Seconds this part's streaming pass took.</summary>
    public double ScanSeconds { get; init; }
}
