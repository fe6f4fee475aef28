namespace Energizer.ML.Acquisition;

/// <summary>
/// A weighted sum of normalised scores. Each part's <see cref="AcquisitionStrategy.Score"/> is scaled to
/// [0, 1] by the part's <see cref="AcquisitionStrategy.ScoreRange"/> for the batch's C classes and T passes
/// (0 at the least it can score, 1 at the most), so parts on different scales mix, and summed with the weights.
/// The scaling is the same for every batch, so a row's score depends on the row alone and the pick is the
/// pool's top k whatever the batch size or pool order. Batch-aware parts contribute their pre-filter score,
/// not their joint pick. Parts without a fixed range (power and softmax PowerBALD, strategies that do not
/// override <see cref="AcquisitionStrategy.ScoreRange"/>) are refused when scored.
/// </summary>
/// <remarks>
/// Ranking each part over the pool would need every row's scores before any row is scored: a second pass of
/// inference over the pool (T passes each under MC-Dropout) and memory for the pool's scores, where the
/// scorer streams once in O(k) (docs/design.md, "Architecture and the dependency rule"). Ranking inside a
/// batch instead made the pick depend on the batch size and gave a batch's lone last row the best rank in
/// every part; the fixed ranges avoid both.
/// </remarks>
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
    public override bool NeedsSeveralPasses => _parts.Any(p => p.Strategy.NeedsSeveralPasses);

    /// <inheritdoc />
    internal override AcquisitionStrategy ForRun(int runSeed) => new CombinedStrategy([.. _parts.Select(p => (p.Strategy.ForRun(runSeed), p.Weight))]);

    /// <inheritdoc />
    public override string Fingerprint =>
        $"Combine({string.Join(" + ", _parts.Select(p => FormattableString.Invariant($"{p.Weight:R}·{p.Strategy.Fingerprint}")))})";

    /// <inheritdoc />
    public override bool NeedsEmbeddings => _parts.Any(p => p.Strategy.NeedsEmbeddings);

    /// <inheritdoc />
    /// <remarks>Each part adds between min(w, 0) and max(w, 0).</remarks>
    public override (double Min, double Max)? ScoreRange(int classes, int iterations) =>
        (_parts.Sum(p => Math.Min(p.Weight, 0)), _parts.Sum(p => Math.Max(p.Weight, 0)));

    /// <inheritdoc />
    public override void Score(AcquisitionBatch batch, Span<float> scores)
    {
        CheckBatch(batch, scores);
        int classes = batch.Probabilities.Classes, iterations = batch.Probabilities.Iterations;
        var total = new double[batch.Count];
        var partScores = new float[batch.Count];
        foreach (var (strategy, weight) in _parts)
        {
            var (min, max) = strategy.ScoreRange(classes, iterations)
                ?? throw new ArgumentException(
                    $"Combine cannot scale {strategy.Name}: its scores have no fixed range (ScoreRange is null for C = {classes}, T = {iterations}).",
                    nameof(batch));
            strategy.Score(batch, partScores);
            for (int n = 0; n < total.Length; n++) total[n] += weight * Normalise(partScores[n], min, max);
        }
        for (int n = 0; n < total.Length; n++) scores[n] = (float)total[n];
    }

    /// <summary>The score scaled to [0, 1]; clamped because float scores may overshoot a bound by rounding; 0 when the range is a point.</summary>
    private static double Normalise(double score, double min, double max) =>
        max > min ? Math.Clamp((score - min) / (max - min), 0, 1) : 0;
}
