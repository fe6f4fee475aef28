using Energizer.ML.Numerics;

namespace Energizer.ML.Acquisition;

/// <summary>Variation ratios: 1 − (votes for the modal argmax class) / T, each pass voting for its argmax (the lowest class among ties); in [0, 1 − 1/T] and 0 when T = 1.</summary>
public sealed class VariationRatiosStrategy : PointwiseStrategy
{
    internal VariationRatiosStrategy()
    {
    }

    /// <inheritdoc />
    public override string Name => "VariationRatios";

    /// <inheritdoc />
    public override bool NeedsSeveralPasses => true;

    /// <inheritdoc />
    /// <remarks>The modal class has at least ⌈T/C⌉ of the T votes.</remarks>
    public override (double Min, double Max)? ScoreRange(int classes, int iterations) => (0, 1 - ((double)((iterations + classes - 1) / classes) / iterations));

    /// <inheritdoc />
    protected override double ScoreRow(ProbabilityTensor probabilities, int row, long rowId, ReadOnlySpan<double> mean)
    {
        return 1 - ((double)ModalVotes(probabilities, row) / probabilities.Iterations);
    }

    private static int ModalVotes(ProbabilityTensor probabilities, int row)
    {
        Span<int> votes = probabilities.Classes <= 1024 ? stackalloc int[probabilities.Classes] : new int[probabilities.Classes];
        votes.Clear();
        int modal = 0;
        for (int t = 0; t < probabilities.Iterations; t++)
            modal = Math.Max(modal, ++votes[InformationMath.ArgMax(probabilities[t, row])]);
        return modal;
    }
}
