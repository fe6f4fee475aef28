using Energizer.ML.Numerics;

namespace Energizer.ML.Acquisition;

/// <summary>
/// BADGE (Ash et al. 2020): each row's gradient embedding g = (p̄ − onehot(argmax p̄)) ⊗ h, the
/// gradient of the cross-entropy at the predicted label with respect to the last layer (p̄ the mean
/// probabilities, h the row's embedding, C·D values), then k-means++ seeding on g: the first pick is
/// the largest ‖g‖ (as in the authors' code; ties to the lower row id), each next one is drawn with
/// probability ∝ the squared distance to the nearest pick, from seeded uniforms.
/// </summary>
/// <remarks>
/// g is never built: ⟨g_i, g_j⟩ = ⟨a_i, a_j⟩·⟨h_i, h_j⟩ with a = p̄ − onehot, so a distance costs
/// O(C + D), not O(C·D). Labelled embeddings are not used (BADGE seeds among the candidates only).
/// Its pre-filter <see cref="Score"/> is the predictive entropy.
/// </remarks>
public sealed class BadgeStrategy : AcquisitionStrategy
{
    internal BadgeStrategy(int seed) => Seed = seed;

    /// <summary>The seed of the k-means++ draws.</summary>
    public int Seed { get; }

    /// <inheritdoc />
    public override string Name => "BADGE";

    /// <inheritdoc />
    public override (double Min, double Max)? ScoreRange(int classes, int iterations) => Entropy.ScoreRange(classes, iterations);

    /// <inheritdoc />
    public override string Fingerprint => FormattableString.Invariant($"BADGE(seed={Seed})");

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
        int count = candidates.Count, classes = candidates.Probabilities.Classes;
        var residuals = new double[count * classes];
        var squaredNorms = new double[count];
        for (int n = 0; n < count; n++)
        {
            var a = residuals.AsSpan(n * classes, classes);
            candidates.Probabilities.MeanOf(n, a);
            a[InformationMath.ArgMax(a)] -= 1;
            squaredNorms[n] = Dot(a, a) * Dot(candidates.EmbeddingOf(n), candidates.EmbeddingOf(n));
        }

        var picked = new int[k];
        var isPicked = new bool[count];
        var nearest = new double[count];
        int first = 0;
        for (int n = 1; n < count; n++)
            if (squaredNorms[n] > squaredNorms[first] || (squaredNorms[n] == squaredNorms[first] && candidates.RowIds[n] < candidates.RowIds[first]))
                first = n;
        Array.Fill(nearest, double.PositiveInfinity);
        for (int i = 0; i < k; i++)
        {
            int pick = i == 0 ? first : Draw(nearest, isPicked, candidates.RowIds, SeededHash.Uniform(Seed, SeededHash.StepStreams + (ulong)i, 0));
            picked[i] = pick;
            isPicked[pick] = true;
            for (int n = 0; n < count; n++)
            {
                if (isPicked[n]) continue;
                double d = squaredNorms[n] + squaredNorms[pick]
                    - (2 * Dot(residuals.AsSpan(n * classes, classes), residuals.AsSpan(pick * classes, classes))
                         * Dot(candidates.EmbeddingOf(n), candidates.EmbeddingOf(pick)));
                nearest[n] = Math.Min(nearest[n], Math.Max(0, d));
            }
        }
        return picked;
    }

    /// <summary>Draws an unpicked row ∝ its squared distance; when all are 0, the unpicked row with the lowest row id.</summary>
    private static int Draw(double[] nearest, bool[] isPicked, long[] rowIds, double u)
    {
        double total = 0;
        for (int n = 0; n < nearest.Length; n++) if (!isPicked[n]) total += nearest[n];
        int fallback = -1, last = -1;
        double cumulative = 0, target = u * total;
        for (int n = 0; n < nearest.Length; n++)
        {
            if (isPicked[n]) continue;
            if (fallback < 0 || rowIds[n] < rowIds[fallback]) fallback = n;
            if (nearest[n] <= 0) continue;
            last = n;
            cumulative += nearest[n];
            if (total > 0 && target < cumulative) return n;
        }
        return total > 0 ? last : fallback;
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }
}
