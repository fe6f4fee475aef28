using Energizer.ML.Numerics;

namespace Energizer.ML.Acquisition;

/// <summary>BALD (Houlsby et al. 2011): the mutual information between the label and the model parameters, H[mean p] − mean over passes of H[p]; in [0, ln C] (rounding negatives are clamped to 0), 0 when T = 1.</summary>
public sealed class BaldStrategy : PointwiseStrategy
{
    internal BaldStrategy()
    {
    }

    /// <inheritdoc />
    public override string Name => "BALD";

    /// <inheritdoc />
    public override bool NeedsSeveralPasses => true;

    /// <inheritdoc />
    /// <remarks>A mutual information is at most the entropy of either side: the label (ln C) or the T equally likely passes (ln T).</remarks>
    public override (double Min, double Max)? ScoreRange(int classes, int iterations) => (0, Math.Log(Math.Min(classes, iterations)));

    /// <inheritdoc />
    protected override double ScoreRow(ProbabilityTensor probabilities, int row, long rowId, ReadOnlySpan<double> mean)
    {
        return Math.Max(0, InformationMath.Entropy(mean) - InformationMath.ExpectedEntropy(probabilities, row));
    }
}
