using Energizer.ML.Numerics;

namespace Energizer.ML.Acquisition;

/// <summary>Mean standard deviation: the mean over classes of the population standard deviation (divided by T) of the class probability over the T passes; in [0, 0.5], 0 when T = 1.</summary>
public sealed class MeanStdStrategy : PointwiseStrategy
{
    internal MeanStdStrategy()
    {
    }

    /// <inheritdoc />
    public override string Name => "MeanStd";

    /// <inheritdoc />
    public override bool NeedsSeveralPasses => true;

    /// <inheritdoc />
    /// <remarks>
    /// The class variances of a probability vector sum to at most 1 − 1/C, so by Cauchy–Schwarz the mean of
    /// the C standard deviations is at most √(C(1 − 1/C))/C = √(C − 1)/C (reached when T is a multiple of C).
    /// </remarks>
    public override (double Min, double Max)? ScoreRange(int classes, int iterations) => (0, Math.Sqrt(classes - 1) / classes);

    /// <inheritdoc />
    protected override double ScoreRow(ProbabilityTensor probabilities, int row, long rowId, ReadOnlySpan<double> mean)
    {
        double sum = 0;
        for (int c = 0; c < mean.Length; c++)
        {
            double squares = 0;
            for (int t = 0; t < probabilities.Iterations; t++)
            {
                double d = probabilities[t, row, c] - mean[c];
                squares += d * d;
            }
            sum += Math.Sqrt(squares / probabilities.Iterations);
        }
        return sum / mean.Length;
    }
}
