using Energizer.ML.Numerics;

namespace Energizer.ML.Acquisition;

/// <summary>Expected entropy: the mean over the T passes of each pass's entropy; in [0, ln C] and never above <see cref="EntropyStrategy"/>.</summary>
public sealed class ExpectedEntropyStrategy : PointwiseStrategy
{
    internal ExpectedEntropyStrategy()
    {
    }

    /// <inheritdoc />
    public override string Name => "ExpectedEntropy";

    /// <inheritdoc />
    protected override double ScoreRow(ProbabilityTensor probabilities, int row, long rowId, ReadOnlySpan<double> mean)
    {
        return InformationMath.ExpectedEntropy(probabilities, row);
    }
}
