namespace Energizer.ML.Acquisition;

/// <summary>
/// A weighted sum of rank-normalised scores. Each part's <see cref="AcquisitionStrategy.Score"/> is
/// turned into a rank within the batch scaled to [0, 1] (0 for the part's lowest score, 1 for its
/// highest, tied scores sharing their mean rank; a single row gets 1), so parts on different scales
/// mix fairly. Ranks are relative to the batch they are computed on, so this strategy is batch-aware:
/// the pool is pre-filtered by these batch-relative scores and the final pick re-ranks the candidates.
/// Batch-aware parts contribute their pre-filter score, not their joint pick.
/// </summary>
public sealed class CombinedStrategy : AcquisitionStrategy
{
    private readonly (AcquisitionStrategy Strategy, double Weight)[] _parts;

    internal CombinedStrategy((AcquisitionStrategy Strategy, double Weight)[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Length == 0) throw new ArgumentException("Combine needs at least one strategy.", nameof(parts));
        foreach (var (strategy, weight) in parts)
        {
            if (strategy is null) throw new ArgumentException("Combine was given a null strategy.", nameof(parts));
            if (!double.IsFinite(weight)) throw new ArgumentException($"The weight of {strategy.Name} is {weight}; weights must be finite.", nameof(parts));
        }
        _parts = [.. parts];
    }

    /// <summary>The strategies and their weights.</summary>
    public IReadOnlyList<(AcquisitionStrategy Strategy, double Weight)> Parts => _parts;

    /// <inheritdoc />
    public override string Name => $"Combine({string.Join(" + ", _parts.Select(p => $"{p.Weight:G4}·{p.Strategy.Name}"))})";

    /// <inheritdoc />
    public override string Fingerprint =>
        $"Combine({string.Join(" + ", _parts.Select(p => FormattableString.Invariant($"{p.Weight:R}·{p.Strategy.Fingerprint}")))})";

    /// <inheritdoc />
    public override bool IsBatchAware => true;

    /// <inheritdoc />
    public override bool NeedsEmbeddings => _parts.Any(p => p.Strategy.NeedsEmbeddings);

    /// <inheritdoc />
    public override void Score(AcquisitionBatch batch, Span<float> scores)
    {
        CheckBatch(batch, scores);
        var total = new double[batch.Count];
        var partScores = new float[batch.Count];
        foreach (var (strategy, weight) in _parts)
        {
            strategy.Score(batch, partScores);
            var ranks = NormalisedRanks(partScores);
            for (int n = 0; n < total.Length; n++) total[n] += weight * ranks[n];
        }
        for (int n = 0; n < total.Length; n++) scores[n] = (float)total[n];
    }

    /// <summary>Ranks in [0, 1], 1 for the highest score; tied scores share their mean rank.</summary>
    private static double[] NormalisedRanks(float[] scores)
    {
        var ranks = new double[scores.Length];
        if (scores.Length == 1)
        {
            ranks[0] = 1;
            return ranks;
        }
        var order = Enumerable.Range(0, scores.Length).ToArray();
        Array.Sort(order, (a, b) => scores[a].CompareTo(scores[b]));
        for (int start = 0; start < order.Length;)
        {
            int end = start + 1;
            while (end < order.Length && scores[order[end]].CompareTo(scores[order[start]]) == 0) end++;
            double rank = (start + end - 1) / 2.0 / (scores.Length - 1);
            for (int i = start; i < end; i++) ranks[order[i]] = rank;
            start = end;
        }
        return ranks;
    }
}
