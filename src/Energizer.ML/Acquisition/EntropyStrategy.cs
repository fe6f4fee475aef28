using Energizer.ML.Numerics;

namespace Energizer.ML.Acquisition;

/// <summary>Predictive entropy H[mean p] = −Σ_c p̄_c ln p̄_c, where p̄ is the mean over the T passes; in [0, ln C].</summary>
public sealed class EntropyStrategy : PointwiseStrategy
{
    internal EntropyStrategy()
    {
    }

    /// <inheritdoc />
    public override string Name => "Entropy";

    /// <inheritdoc />
    public override (double Min, double Max)? ScoreRange(int classes, int iterations) => (0, Math.Log(classes));

    /// <inheritdoc />
    protected override double ScoreRow(ProbabilityTensor probabilities, int row, long rowId, ReadOnlySpan<double> mean)
    {
        return InformationMath.Entropy(mean);
    }
}
