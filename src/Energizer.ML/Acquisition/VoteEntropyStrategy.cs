using Energizer.ML.Numerics;

namespace Energizer.ML.Acquisition;

/// <summary>Vote entropy (query by committee; T = committee members): the entropy of the share of members whose argmax (the lowest class among ties) is each class; in [0, ln min(C, T)].</summary>
public sealed class VoteEntropyStrategy : PointwiseStrategy
{
    internal VoteEntropyStrategy()
    {
    }

    /// <inheritdoc />
    public override string Name => "VoteEntropy";

    /// <inheritdoc />
    public override bool NeedsSeveralPasses => true;

    /// <inheritdoc />
    /// <remarks>T votes fall in at most min(C, T) classes.</remarks>
    public override (double Min, double Max)? ScoreRange(int classes, int iterations) => (0, Math.Log(Math.Min(classes, iterations)));

    /// <inheritdoc />
    protected override double ScoreRow(ProbabilityTensor probabilities, int row, long rowId, ReadOnlySpan<double> mean)
    {
        Span<double> votes = mean.Length <= 256 ? stackalloc double[mean.Length] : new double[mean.Length];
        votes.Clear();
        for (int t = 0; t < probabilities.Iterations; t++) votes[InformationMath.ArgMax(probabilities[t, row])] += 1.0 / probabilities.Iterations;
        return InformationMath.Entropy(votes);
    }
}
