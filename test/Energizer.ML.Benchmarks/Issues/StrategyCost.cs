using Energizer.ML.Acquisition;
using Energizer.ML.Numerics;

namespace Energizer.ML.Benchmarks.Issues;

/// <summary>Issue 5: the cost of pointwise strategies on 10^5 rows of T = 10, C = 10 probabilities, in the scorer's batches of 256.</summary>
internal static class StrategyCost
{
    private const int Rows = 100_000;
    private const int Iterations = 10;
    private const int Classes = 10;
    private const int BatchSize = 256;

    public static void Run()
    {
        Console.WriteLine($"Strategy cost on {Rows} rows, T = {Iterations}, C = {Classes}, batches of {BatchSize}, one thread (strategies are managed code):");
        var random = new Random(5);
        var batches = new List<AcquisitionBatch>();
        for (int start = 0; start < Rows; start += BatchSize)
        {
            int n = Math.Min(BatchSize, Rows - start);
            var values = new float[Iterations * n * Classes];
            for (int row = 0; row < Iterations * n; row++)
            {
                var p = values.AsSpan(row * Classes, Classes);
                double sum = 0;
                for (int c = 0; c < Classes; c++) sum += p[c] = (float)Math.Exp(2 * random.NextDouble() * random.NextDouble() * 3);
                for (int c = 0; c < Classes; c++) p[c] = (float)(p[c] / sum);
            }
            batches.Add(new AcquisitionBatch(new ProbabilityTensor(values, Iterations, n, Classes), [.. Enumerable.Range(start, n).Select(i => (long)i)]));
        }
        var scores = new float[BatchSize];
        AcquisitionStrategy[] strategies = [AcquisitionStrategy.Entropy, AcquisitionStrategy.Bald, AcquisitionStrategy.Margin, AcquisitionStrategy.VariationRatios];
        var ms = Measure.Interleaved(9, [.. strategies.Select(s => (s.Name, (Action)(() =>
        {
            foreach (var b in batches) s.Score(b, scores.AsSpan(0, b.Count));
        })))]);
        for (int i = 0; i < strategies.Length; i++)
            Console.WriteLine($"  RESULT {strategies[i].Name}: {ms[i]:F1} ms per 1e5 rows ({Rows / ms[i] / 1000:F2} M rows/s)");
    }
}
