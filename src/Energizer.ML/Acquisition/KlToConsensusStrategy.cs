using Energizer.ML.Numerics;

namespace Energizer.ML.Acquisition;

/// <summary>Query by committee (T = members): the mean over members of KL(p_member ‖ p̄), p̄ the consensus (mean) probabilities. This mean equals BALD's mutual information (H[p̄] − mean H[p]); it is computed here term by term, as the committee literature states it.</summary>
public sealed class KlToConsensusStrategy : PointwiseStrategy
{
    internal KlToConsensusStrategy()
    {
    }

    /// <inheritdoc />
    public override string Name => "KlToConsensus";

    /// <inheritdoc />
    public override bool NeedsSeveralPasses => true;

    /// <inheritdoc />
    public override (double Min, double Max)? ScoreRange(int classes, int iterations) => Bald.ScoreRange(classes, iterations);

    /// <inheritdoc />
    protected override double ScoreRow(ProbabilityTensor probabilities, int row, long rowId, ReadOnlySpan<double> mean)
    {
        double sum = 0;
        for (int t = 0; t < probabilities.Iterations; t++)
        {
            var p = probabilities[t, row];
            for (int c = 0; c < p.Length; c++)
                if (p[c] > 0) sum += p[c] * Math.Log(p[c] / mean[c]);
        }
        return Math.Max(0, sum / probabilities.Iterations);
    }
}
