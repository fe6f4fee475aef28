using CsCheck;
using Energizer.ML.Acquisition;
using Energizer.ML.Numerics;

namespace Energizer.ML.Tests.Acquisition;

/// <summary>Builds small batches for the strategy tests.</summary>
internal static class Tensors
{
    /// <summary>A batch from rows given as their T passes of C probabilities; row ids 0..N−1 unless given.</summary>
    public static AcquisitionBatch Batch(float[][][] rows, long[]? ids = null, float[][]? embeddings = null)
    {
        int iterations = rows[0].Length, classes = rows[0][0].Length, count = rows.Length;
        var values = new float[iterations * count * classes];
        for (int n = 0; n < count; n++)
            for (int t = 0; t < iterations; t++)
                rows[n][t].CopyTo(values, ((t * count) + n) * classes);
        var tensor = new ProbabilityTensor(values, iterations, count, classes);
        ids ??= [.. Enumerable.Range(0, count).Select(i => (long)i)];
        return embeddings is null
            ? new AcquisitionBatch(tensor, ids)
            : new AcquisitionBatch(tensor, ids, [.. embeddings.SelectMany(e => e)], embeddings[0].Length);
    }

    /// <summary>One row whose T passes are given.</summary>
    public static float[][] Row(params float[][] passes) => passes;

    /// <summary>One row with the same probabilities in each of <paramref name="iterations"/> passes.</summary>
    public static float[][] Constant(int iterations, params float[] p) => [.. Enumerable.Repeat(p, iterations)];

    /// <summary>Scores of every row.</summary>
    public static float[] Scores(AcquisitionStrategy strategy, AcquisitionBatch batch)
    {
        var scores = new float[batch.Count];
        strategy.Score(batch, scores);
        return scores;
    }

    /// <summary>Random T×N×C probability tensors, with exact zeros now and then, T in [minT, maxT].</summary>
    public static Gen<ProbabilityTensor> Probabilities(int minT = 1, int maxT = 4, int maxN = 6, int maxC = 4) =>
        Gen.Select(Gen.Int[minT, maxT], Gen.Int[1, maxN], Gen.Int[1, maxC], (t, n, c) => (t, n, c))
            .SelectMany(s => Gen.Float[0f, 1f].Array[s.t * s.n * s.c].Select(v => Normalise(v, s.t, s.n, s.c)));

    /// <summary>A batch around a tensor, row ids 0..N−1.</summary>
    public static AcquisitionBatch BatchOf(ProbabilityTensor p) => new(p, [.. Enumerable.Range(0, p.Rows).Select(i => (long)i)]);

    /// <summary>A fixed pseudo-random T×N×C tensor.</summary>
    public static ProbabilityTensor Fixed(int iterations, int rows, int classes, int seed)
    {
        var random = new Random(seed);
        var values = new float[iterations * rows * classes];
        for (int i = 0; i < values.Length; i++) values[i] = (float)random.NextDouble();
        return Normalise(values, iterations, rows, classes);
    }

    private static ProbabilityTensor Normalise(float[] values, int iterations, int rows, int classes)
    {
        for (int start = 0; start < values.Length; start += classes)
        {
            var p = values.AsSpan(start, classes);
            double sum = 0;
            for (int c = 0; c < classes; c++)
            {
                if (p[c] < 0.2f) p[c] = 0;
                sum += p[c];
            }
            if (sum == 0)
            {
                p[0] = 1;
                continue;
            }
            for (int c = 0; c < classes; c++) p[c] = (float)(p[c] / sum);
        }
        return new ProbabilityTensor(values, iterations, rows, classes);
    }
}
