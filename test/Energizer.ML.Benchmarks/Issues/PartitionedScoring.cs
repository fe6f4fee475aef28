using System.Diagnostics;
using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Scoring;
using Energizer.ML.Torch;
using Microsoft.ML;
using TorchSharp;

namespace Energizer.ML.Benchmarks.Issues;

/// <summary>
/// Issue 5: score + SelectTopK(k = 100) with SelectionOptions.Partitions = 2 vs 1, MC-Dropout
/// T = 10 (consistent masks, so both must select the same rows) on an MLP 64-512-256-10 over
/// the digits ×10. The parent runs the measurement in one child process per TorchSharp thread
/// count (1 and 2): LibTorch's intra-op thread count is best fixed before any work starts.
/// </summary>
internal static class PartitionedScoring
{
    public static void Run()
    {
        Console.WriteLine($"Partitioned scoring: each thread setting in its own process; processors: {Environment.ProcessorCount}");
        var lines = new List<string>();
        foreach (int threads in new[] { 2, 1 })
        {
            var output = ChildProcess.Run(["--partitions-child", threads.ToString()], threads == 1 ? new() { ["OMP_NUM_THREADS"] = "1", ["MKL_NUM_THREADS"] = "1" } : []);
            lines.AddRange(output.Where(l => l.StartsWith("TIME ", StringComparison.Ordinal)));
        }
        // TIME threads=<n> partitions=<p> ms=<median> selection=<ids in order> set=<ids sorted>
        var rows = lines.Select(l => l.Split(' ').Skip(1).Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => kv[1])).ToList();
        double Ms(string t, string p) => double.Parse(rows.Single(r => r["threads"] == t && r["partitions"] == p)["ms"], System.Globalization.CultureInfo.InvariantCulture);
        // Each child already requires partitioned == sequential (same ids, same order); the processes train their own
        // networks with different thread counts, whose float reductions differ, so across processes only the set is compared.
        bool same = rows.GroupBy(r => r["threads"]).All(g => g.Select(r => r["selection"]).Distinct().Count() == 1);
        bool sameSet = rows.Select(r => r["set"]).Distinct().Count() == 1;
        Console.WriteLine($"  selections identical (ids and order), partitions = 2 vs sequential, per thread count: {same}; same set of ids across thread counts: {sameSet}");
        Console.WriteLine($"  RATIO partitions=2 (torch 1 thread each) / sequential (torch 2 threads) = {Ms("2", "1") / Ms("1", "2"):F2}x (target >= 1.6)");
        Console.WriteLine($"  RATIO partitions=2 / sequential, both torch 1 thread = {Ms("1", "1") / Ms("1", "2"):F2}x");
        Console.WriteLine($"  RATIO partitions=2 / sequential, both torch 2 threads = {Ms("2", "1") / Ms("2", "2"):F2}x");
        if (!same) throw new InvalidOperationException("Partitioned and sequential selections differ.");
    }

    public static void Child(int threads)
    {
        torch.set_num_threads(threads);
        Measure.Threads();
        var mlContext = new MLContext(seed: 1);
        var data = new DigitsBenchmarkData(mlContext, copies: 10);
        using var model = new TorchClassifierTrainer(new TorchClassifierOptions { Network = Networks.Mlp([512, 256], 0.5), Epochs = 1, BatchSize = 256 }).Fit(data.Data);
        var scored = mlContext.ActiveLearning().ScoreAcquisition(model, AcquisitionStrategy.Bald, InferenceMode.McDropout(10, consistent: true, seed: 4), batchSize: 256)
            .Fit(data.Data).Transform(data.Data);
        var selections = new Selection[3];
        Console.WriteLine($"  {data.Count} rows, MLP 64-512-256-10, MC-Dropout T = 10 consistent, BALD, k = 100, torch threads {torch.get_num_threads()}:");
        var ms = Measure.Interleaved(5,
            ("sequential", () => selections[1] = mlContext.ActiveLearning().SelectTopK(scored, 100)),
            ("partitions = 2", () => selections[2] = mlContext.ActiveLearning().SelectTopK(scored, 100, new SelectionOptions { Partitions = 2 })));
        if (!selections[1].RowIds.SequenceEqual(selections[2].RowIds)) throw new InvalidOperationException("Selections differ.");
        // The selection, in order and as a set, for the parent to compare across processes.
        string hash = string.Join("-", selections[1].RowIds);
        string set = string.Join("-", selections[1].RowIds.Order());
        foreach (var (p, m) in new[] { (1, ms[0]), (2, ms[1]) })
            Console.WriteLine(FormattableString.Invariant($"TIME threads={threads} partitions={p} ms={m:F1} selection={hash} set={set}"));
    }
}

/// <summary>Re-launches this benchmark executable with other arguments and echoes its output.</summary>
internal static class ChildProcess
{
    public static List<string> Run(string[] arguments, Dictionary<string, string> environment)
    {
        string path = Environment.ProcessPath!;
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(path) == "dotnet") start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var lines = new List<string>();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (!line.StartsWith("TIME ", StringComparison.Ordinal)) Console.WriteLine($"  | {line}");
            lines.Add(line);
        }
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"Child {string.Join(' ', arguments)} exited with {process.ExitCode}.");
        return lines;
    }
}
