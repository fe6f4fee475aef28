using Energizer.ML.Numerics;

namespace Energizer.ML.Acquisition;

/// <summary>
/// BatchBALD (Kirsch et al. 2019): picks rows one at a time, each maximising the joint mutual
/// information I(y₁..y_n; ω) = H(y₁..y_n) − Σ_j mean_t H(p_t,j) of the rows picked so far plus it.
/// The joint entropy is exact (every class configuration enumerated) while the picked rows have at
/// most <see cref="Samples"/> configurations, C^n ≤ M, since enumerating is then no dearer than
/// sampling; beyond that it is estimated from M configurations drawn (seeded) from the picked rows'
/// joint, as in the paper. Its pre-filter <see cref="Score"/> is BALD, which is also its first pick.
/// Needs T ≥ 2 passes: with one, the mutual information is 0 everywhere.
/// </summary>
public sealed class BatchBaldStrategy : AcquisitionStrategy
{
    internal BatchBaldStrategy(int samples, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        Samples = samples;
        Seed = seed;
    }

    /// <summary>M: the number of sampled configurations, and the largest configuration count enumerated exactly.</summary>
    public int Samples { get; }

    /// <summary>The seed of the sampled configurations.</summary>
    public int Seed { get; }

    /// <inheritdoc />
    public override string Name => "BatchBALD";

    /// <inheritdoc />
    public override bool NeedsSeveralPasses => true;

    /// <inheritdoc />
    public override (double Min, double Max)? ScoreRange(int classes, int iterations) => Bald.ScoreRange(classes, iterations);

    /// <inheritdoc />
    public override string Fingerprint => FormattableString.Invariant($"BatchBALD(samples={Samples}, seed={Seed})");

    /// <inheritdoc />
    public override bool IsBatchAware => true;

    /// <inheritdoc />
    public override void Score(AcquisitionBatch batch, Span<float> scores)
    {
        CheckIterations(batch);
        Bald.Score(batch, scores);
    }

    /// <inheritdoc />
    public override int[] Select(AcquisitionBatch candidates, int k, ReadOnlyMemory<float>? labelledEmbeddings = null)
    {
        CheckBatch(candidates);
        CheckK(k, candidates.Count);
        CheckIterations(candidates);
        var probabilities = candidates.Probabilities;
        int iterations = probabilities.Iterations, classes = probabilities.Classes, count = candidates.Count;
        var rows = new double[count][];
        var expectedEntropies = new double[count];
        for (int n = 0; n < count; n++)
        {
            rows[n] = JointEntropy.RowProbabilities(probabilities, n);
            expectedEntropies[n] = InformationMath.ExpectedEntropy(probabilities, n);
        }

        var picked = new List<int>(k);
        var isPicked = new bool[count];
        var joint = JointEntropy.Empty(iterations);
        var scores = new double[count];
        double pickedExpectedEntropy = 0;
        while (picked.Count < k)
        {
            // Candidates are scored in parallel (each into its own slot), the argmax is taken in order: deterministic.
            var current = joint;
            double conditional = pickedExpectedEntropy;
            Parallel.For(0, count, () => new double[classes], (n, _, scratch) =>
            {
                if (!isPicked[n]) scores[n] = current.EntropyWith(rows[n], classes, scratch) - conditional - expectedEntropies[n];
                return scratch;
            }, _ => { });
            int best = -1;
            for (int n = 0; n < count; n++)
            {
                if (isPicked[n]) continue;
                if (best < 0 || scores[n] > scores[best] || (scores[n] == scores[best] && candidates.RowIds[n] < candidates.RowIds[best]))
                    best = n;
            }
            picked.Add(best);
            isPicked[best] = true;
            pickedExpectedEntropy += expectedEntropies[best];
            if (picked.Count == k) break;
            joint = ConfigurationCount(classes, picked.Count) <= Samples
                ? joint.WithExact(rows[best], classes)
                : JointEntropy.Sampled([.. picked.Select(p => rows[p])], iterations, classes, Samples, Seed, SeededHash.StepStreams + (ulong)picked.Count);
        }
        return [.. picked];
    }

    /// <summary>C^n, saturating at long.MaxValue.</summary>
    private static long ConfigurationCount(int classes, int rows)
    {
        long count = 1;
        for (int i = 0; i < rows; i++)
        {
            if (count > long.MaxValue / classes) return long.MaxValue;
            count *= classes;
        }
        return count;
    }

    private static void CheckIterations(AcquisitionBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Probabilities.Iterations < 2)
            throw new ArgumentException(
                $"BatchBALD needs at least 2 stochastic passes (iterations T), got T = {batch.Probabilities.Iterations}: " +
                "use an MC-Dropout or ensemble inference mode (e.g. InferenceMode.McDropout(iterations: 20)).",
                nameof(batch));
    }
}
