namespace Energizer.ML.Acquisition;

/// <summary>
/// Two-stage selection: <see cref="First"/> shortlists <see cref="ShortlistSize"/> candidates (its
/// own <see cref="AcquisitionStrategy.Select"/>: the top M scores, or a joint pick when it is
/// batch-aware), then <see cref="Diversity"/> picks k among the shortlist. With fewer candidates than
/// M the whole set is the shortlist. Its pre-filter <see cref="Score"/> is <see cref="First"/>'s.
/// </summary>
public sealed class PreFilterStrategy : AcquisitionStrategy
{
    internal PreFilterStrategy(AcquisitionStrategy first, int m, AcquisitionStrategy diversity)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(diversity);
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 1);
        First = first;
        ShortlistSize = m;
        Diversity = diversity;
    }

    /// <summary>The strategy that shortlists.</summary>
    public AcquisitionStrategy First { get; }

    /// <summary>M, the shortlist size.</summary>
    public int ShortlistSize { get; }

    /// <summary>The strategy that picks among the shortlist.</summary>
    public AcquisitionStrategy Diversity { get; }

    /// <inheritdoc />
    public override string Name => $"PreFilter({First.Name} top {ShortlistSize} → {Diversity.Name})";

    /// <inheritdoc />
    public override bool NeedsSeveralPasses => First.NeedsSeveralPasses || Diversity.NeedsSeveralPasses;

    /// <inheritdoc />
    internal override AcquisitionStrategy ForRun(int runSeed) => new PreFilterStrategy(First.ForRun(runSeed), ShortlistSize, Diversity.ForRun(runSeed));

    /// <inheritdoc />
    public override (double Min, double Max)? ScoreRange(int classes, int iterations) => First.ScoreRange(classes, iterations);

    /// <inheritdoc />
    public override string Fingerprint => FormattableString.Invariant($"PreFilter({First.Fingerprint} top {ShortlistSize} → {Diversity.Fingerprint})");

    /// <inheritdoc />
    public override bool IsBatchAware => true;

    /// <inheritdoc />
    public override bool NeedsEmbeddings => First.NeedsEmbeddings || Diversity.NeedsEmbeddings;

    /// <inheritdoc />
    public override void Score(AcquisitionBatch batch, Span<float> scores) => First.Score(batch, scores);

    /// <inheritdoc />
    public override int[] Select(AcquisitionBatch candidates, int k, ReadOnlyMemory<float>? labelledEmbeddings = null)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        CheckK(k, Math.Min(candidates.Count, ShortlistSize));
        var shortlist = First.Select(candidates, Math.Min(candidates.Count, ShortlistSize), labelledEmbeddings);
        var picks = Diversity.Select(candidates.Subset(shortlist), k, labelledEmbeddings);
        return [.. picks.Select(p => shortlist[p])];
    }
}
