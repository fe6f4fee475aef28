using System.Diagnostics;
using System.Globalization;
using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Benchmarks.Issues;

/// <summary>
/// Issue 5: peak memory of score + SelectTopK(k = 100) on a pool streamed from a text file of
/// 1,000,000 rows vs 10,000 rows (64 features, MLP 64-256-128-10, deterministic, Entropy). Each
/// measurement runs in a fresh child process, which loads the saved model, opens the file
/// lazily, then scores and selects while a sampler records the working set and the GC heap.
/// </summary>
internal static class PeakMemory
{
    private const int Features = 64;

    public static void Run()
    {
        Console.WriteLine($"Peak memory, processors: {Environment.ProcessorCount}");
        string dir = Path.Combine(Path.GetTempPath(), $"energizer-memory-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            var mlContext = new MLContext(seed: 1);
            string modelPath = Path.Combine(dir, "model.bin");
            using (var model = RandomPool.Train(RandomPool.Create(mlContext, 2048, Features, 10, seed: 1, scale: 16), Networks.Mlp([256, 128], 0.2)))
            using (var stream = File.Create(modelPath))
            {
                model.Save(stream);
            }
            var results = new Dictionary<int, Dictionary<string, long>>();
            foreach (int rows in new[] { 10_000, 1_000_000 })
            {
                string file = Path.Combine(dir, $"pool-{rows}.csv");
                var clock = Stopwatch.StartNew();
                Write(file, rows);
                Console.WriteLine($"  wrote {rows} rows ({new FileInfo(file).Length / 1e6:F0} MB) in {clock.Elapsed.TotalSeconds:F1} s");
                var line = ChildProcess.Run(["--memory-child", modelPath, file], []).Single(l => l.StartsWith("MEMORY ", StringComparison.Ordinal));
                results[rows] = line.Split(' ').Skip(1).Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => long.Parse(kv[1], CultureInfo.InvariantCulture));
                File.Delete(file);
            }
            foreach (string key in new[] { "peakWorkingSet", "workingSetGrowth", "gcHeapGrowth" })
            {
                long small = results[10_000][key], large = results[1_000_000][key];
                Console.WriteLine($"  RESULT {key}: 10k rows {small / 1e6:F1} MB, 1M rows {large / 1e6:F1} MB, difference {(large - small) / 1e6:+0.0;-0.0} MB (target within +50 MB)");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void Write(string path, int rows)
    {
        var random = new Random(rows);
        using var writer = new StreamWriter(path);
        var line = new System.Text.StringBuilder();
        for (int r = 0; r < rows; r++)
        {
            line.Clear();
            for (int f = 0; f < Features; f++)
            {
                if (f > 0) line.Append(',');
                line.Append(random.Next(17));
            }
            writer.WriteLine(line);
        }
    }

    public static void Child(string modelPath, string file)
    {
        var mlContext = new MLContext(seed: 1);
        using var stream = File.OpenRead(modelPath);
        using var model = TorchClassifierTransformer.Load(stream);
        var pool = mlContext.Data.LoadFromTextFile(file, new TextLoader.Options
        {
            Separators = [','],
            Columns = [new TextLoader.Column("Features", DataKind.Single, 0, Features - 1)],
        });
        var scorer = mlContext.ActiveLearning().ScoreAcquisition(model, AcquisitionStrategy.Entropy, InferenceMode.Deterministic, batchSize: 256).Fit(pool);
        var scored = scorer.Transform(pool);

        // Warm up the whole path on a few rows, so one-off allocations (JIT, LibTorch kernels) land in the baseline.
        _ = mlContext.ActiveLearning().SelectTopK(scorer.Transform(mlContext.Data.TakeRows(pool, 1000)), 100);
        long baseHeap = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        long baseWorkingSet = process.WorkingSet64;
        long peakHeap = baseHeap, peakWorkingSet = baseWorkingSet;
        bool done = false;
        var sampler = new Thread(() =>
        {
            using var self = Process.GetCurrentProcess();
            while (!Volatile.Read(ref done))
            {
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
                self.Refresh();
                peakWorkingSet = Math.Max(peakWorkingSet, self.WorkingSet64);
                Thread.Sleep(5);
            }
        })
        { IsBackground = true };
        sampler.Start();
        var clock = Stopwatch.StartNew();
        var selection = mlContext.ActiveLearning().SelectTopK(scored, 100);
        double seconds = clock.Elapsed.TotalSeconds;
        Volatile.Write(ref done, true);
        sampler.Join();
        process.Refresh();
        peakWorkingSet = Math.Max(peakWorkingSet, process.WorkingSet64);
        Console.WriteLine($"  {selection} in {seconds:F1} s ({selection.UnlabelledRows / seconds:F0} rows/s)");
        Console.WriteLine(FormattableString.Invariant(
            $"MEMORY peakWorkingSet={process.PeakWorkingSet64} workingSetGrowth={peakWorkingSet - baseWorkingSet} gcHeapGrowth={peakHeap - baseHeap} baseWorkingSet={baseWorkingSet}"));
    }
}
