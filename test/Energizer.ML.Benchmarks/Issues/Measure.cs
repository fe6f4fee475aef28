using System.Diagnostics;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Energizer.ML.Benchmarks.Issues;

/// <summary>Stopwatch helpers: variants are run in interleaved rounds, so machine noise hits them alike; medians are reported.</summary>
internal static class Measure
{
    /// <summary>
    /// Runs every variant once per round, after a warm-up, and returns each one's median time in ms.
    /// The warm-up runs each variant for at least a second (and 3 times): .NET's tiered JIT
    /// recompiles hot methods on a background thread for a while after they start, and with two
    /// LibTorch threads on two cores that thread competes with the measured work, so a one-run
    /// warm-up left the scorer's medians swinging between runs (0.48-0.93 of the hand-written loop;
    /// 0.85-0.87 every time with tiered compilation off).
    /// </summary>
    public static double[] Interleaved(int rounds, params (string Name, Action Run)[] variants) =>
        Interleaved(rounds, TimeSpan.Zero, variants);

    /// <summary>
    /// <see cref="Interleaved(int, ValueTuple{string, Action}[])"/> with an unmeasured pause of
    /// <paramref name="settle"/> before each timed run: an ONNX Runtime session's intra-op worker keeps
    /// spinning for a while after a run, and with two threads on two cores it took the second core from
    /// the variant timed next (2-thread medians of the same code swung 0.45-2.87 by variant order).
    /// </summary>
    public static double[] Interleaved(int rounds, TimeSpan settle, params (string Name, Action Run)[] variants)
    {
        foreach (var v in variants)
        {
            var warm = Stopwatch.StartNew();
            for (int i = 0; i < 3 || warm.Elapsed < TimeSpan.FromSeconds(1); i++) v.Run();
        }
        var times = variants.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < rounds; r++)
        {
            for (int i = 0; i < variants.Length; i++)
            {
                if (settle > TimeSpan.Zero) Thread.Sleep(settle);
                var clock = Stopwatch.StartNew();
                variants[i].Run();
                times[i].Add(clock.Elapsed.TotalMilliseconds);
            }
        }
        var medians = times.Select(Median).ToArray();
        for (int i = 0; i < variants.Length; i++)
        {
            var sorted = times[i].Order().ToArray();
            Console.WriteLine($"  {variants[i].Name}: median {medians[i]:F1} ms (min {sorted[0]:F1}, max {sorted[^1]:F1}, {rounds} rounds)");
        }
        return medians;
    }

    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static void Threads() =>
        Console.WriteLine($"TorchSharp threads: {torch.get_num_threads()}, processors: {Environment.ProcessorCount}");
}

/// <summary>Random pools with a Features vector and a key Label, for networks whose weights need not be good.</summary>
internal static class RandomPool
{
    public static IDataView Create(MLContext mlContext, int rows, int features, int classes, int seed, float scale = 1)
    {
        var random = new Random(seed);
        var list = new List<Row>(rows);
        for (int i = 0; i < rows; i++)
        {
            var x = new float[features];
            for (int f = 0; f < features; f++) x[f] = (float)random.NextDouble() * scale;
            list.Add(new Row { Features = x, Label = (uint)random.Next(classes) });
        }
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
        definition[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), classes);
        return mlContext.Data.Cache(mlContext.Data.LoadFromEnumerable(list, definition));
    }

    /// <summary>One epoch on <paramref name="data"/>: weights that give non-degenerate probabilities.</summary>
    public static TorchClassifierTransformer Train(IDataView data, Func<int, int, torch.nn.Module<torch.Tensor, torch.Tensor>> network) =>
        new TorchClassifierTrainer(new TorchClassifierOptions { Network = network, Epochs = 1, BatchSize = 256, Seed = 1 }).Fit(data);

    public sealed class Row
    {
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }
    }
}
