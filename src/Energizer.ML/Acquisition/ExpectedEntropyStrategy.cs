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
    public override bool NeedsSeveralPasses => true;

    /// <inheritdoc />
    public override (double Min, double Max)? ScoreRange(int classes, int iterations) => (0, Math.Log(classes));

    /// <inheritdoc />
    protected override double ScoreRow(ProbabilityTensor probabilities, int row, long rowId, ReadOnlySpan<double> mean)
    {
        return InformationMath.ExpectedEntropy(probabilities, row);
    }
}
