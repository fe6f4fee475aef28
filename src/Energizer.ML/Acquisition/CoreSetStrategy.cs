namespace Energizer.ML.Acquisition;

/// <summary>
/// Core-set (Sener and Savarese 2018): k-center greedy on the embeddings. Each pick is the candidate
/// farthest (Euclidean) from its nearest centre, the centres being the labelled rows' embeddings and
/// the rows picked so far; ties go to the lower row id. This keeps the largest distance from any
/// candidate to its nearest centre within twice the best possible.
/// </summary>
/// <remarks>
/// With no labelled embeddings there is no centre to measure from, so the first pick is the candidate
/// with the lowest row id: deterministic, and the same whatever order the candidates come in (any start
/// keeps the factor-2 guarantee). Its pre-filter <see cref="Score"/> is the predictive entropy, so a
/// pool can be narrowed to uncertain rows before the diversity pick.
/// </remarks>
public sealed class CoreSetStrategy : AcquisitionStrategy
{
    internal CoreSetStrategy()
    {
    }

    /// <inheritdoc />
    public override string Name => "CoreSet";

    /// <inheritdoc />
    public override (double Min, double Max)? ScoreRange(int classes, int iterations) => Entropy.ScoreRange(classes, iterations);

    /// <inheritdoc />
    public override bool IsBatchAware => true;

    /// <inheritdoc />
    public override bool NeedsEmbeddings => true;

    /// <inheritdoc />
    public override void Score(AcquisitionBatch batch, Span<float> scores) => Entropy.Score(batch, scores);

    /// <inheritdoc />
    public override int[] Select(AcquisitionBatch candidates, int k, ReadOnlyMemory<float>? labelledEmbeddings = null)
    {
        CheckBatch(candidates);
        CheckK(k, candidates.Count);
        RequireEmbeddings(candidates);
        int width = candidates.EmbeddingSize, count = candidates.Count;
        int labelledRows = CountLabelledRows(labelledEmbeddings, width);

        // Squared distance of each candidate to its nearest centre; +∞ while there is none.
        var nearest = new double[count];
        Array.Fill(nearest, double.PositiveInfinity);
        if (labelledRows > 0)
        {
            var labelled = labelledEmbeddings!.Value.Span;
            for (int n = 0; n < count; n++)
            {
                var x = candidates.EmbeddingOf(n);
                for (int l = 0; l < labelledRows; l++)
                    nearest[n] = Math.Min(nearest[n], InformationMath.SquaredDistance(x, labelled.Slice(l * width, width)));
            }
        }

        var picked = new int[k];
        var isPicked = new bool[count];
        for (int i = 0; i < k; i++)
        {
            int best = -1;
            for (int n = 0; n < count; n++)
            {
                if (isPicked[n]) continue;
                if (best < 0 || nearest[n] > nearest[best] || (nearest[n] == nearest[best] && candidates.RowIds[n] < candidates.RowIds[best]))
                    best = n;
            }
            picked[i] = best;
            isPicked[best] = true;
            var centre = candidates.EmbeddingOf(best);
            for (int n = 0; n < count; n++)
                if (!isPicked[n]) nearest[n] = Math.Min(nearest[n], InformationMath.SquaredDistance(candidates.EmbeddingOf(n), centre));
        }
        return picked;
    }
}
