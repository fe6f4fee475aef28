using Energizer.ML.Numerics;

namespace Energizer.ML.Acquisition;

/// <summary>Least confidence: 1 − max_c p̄_c of the mean probabilities; in [0, 1 − 1/C].</summary>
public sealed class LeastConfidenceStrategy : PointwiseStrategy
{
    internal LeastConfidenceStrategy()
    {
    }

    /// <inheritdoc />
    public override string Name => "LeastConfidence";

    /// <inheritdoc />
    public override (double Min, double Max)? ScoreRange(int classes, int iterations) => (0, 1 - (1.0 / classes));

    /// <inheritdoc />
    protected override double ScoreRow(ProbabilityTensor probabilities, int row, long rowId, ReadOnlySpan<double> mean)
    {
        double max = 0;
        foreach (double p in mean) max = Math.Max(max, p);
        return 1 - max;
    }
}
