using Energizer.ML.Numerics;

namespace Energizer.ML.Acquisition;

/// <summary>
/// Uniform random sampling: a row's score is a uniform value in [0, 1) hashed (SplitMix64) from
/// (<see cref="Seed"/>, row id). It ignores the probabilities, and the top k is a seeded sample
/// without replacement that is the same however the pool is batched.
/// </summary>
public sealed class RandomStrategy : PointwiseStrategy
{
    internal RandomStrategy(int? seed) => Seed = seed;

    /// <summary>
    /// The seed; null (<see cref="AcquisitionStrategy.Random"/>) takes the active-learning loop's
    /// <c>Seed</c>, or 0 when the strategy scores outside a loop.
    /// </summary>
    public int? Seed { get; }

    /// <inheritdoc />
    internal override AcquisitionStrategy ForRun(int runSeed) => Seed is null ? new RandomStrategy(runSeed) : this;

    /// <inheritdoc />
    public override string Name => "Random";

    /// <inheritdoc />
    public override (double Min, double Max)? ScoreRange(int classes, int iterations) => (0, 1);

    /// <inheritdoc />
    public override string Fingerprint => FormattableString.Invariant($"Random(seed={Seed?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "the loop's"})");

    /// <inheritdoc />
    public override bool NeedsPredictions => false;

    /// <inheritdoc />
    /// <remarks>24 random bits, so every value is exact in float and below 1.</remarks>
    protected override double ScoreRow(ProbabilityTensor probabilities, int row, long rowId, ReadOnlySpan<double> mean) =>
        (SeededHash.Bits(Seed ?? 0, SeededHash.RandomStream, rowId) >> 40) * (1.0 / (1 << 24));
}
