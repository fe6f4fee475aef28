using Energizer.ML.Numerics;

namespace Energizer.ML.Acquisition;

/// <summary>Margin: 1 − (p̄₁ − p̄₂), where p̄₁ ≥ p̄₂ are the two largest mean class probabilities; in [0, 1], 1 for a tie. With one class there is no runner-up: p̄₂ = 0, so the score is 1 − p̄₁ = 0 (nothing to decide).</summary>
public sealed class MarginStrategy : PointwiseStrategy
{
    internal MarginStrategy()
    {
    }

    /// <inheritdoc />
    public override string Name => "Margin";

    /// <inheritdoc />
    public override (double Min, double Max)? ScoreRange(int classes, int iterations) => (0, 1);

    /// <inheritdoc />
    protected override double ScoreRow(ProbabilityTensor probabilities, int row, long rowId, ReadOnlySpan<double> mean)
    {
        double first = 0, second = 0;
        foreach (double p in mean)
        {
            if (p > first)
            {
                second = first;
                first = p;
            }
            else if (p > second)
            {
                second = p;
            }
        }
        return 1 - (first - second);
    }
}
