using System.Diagnostics;
using System.Globalization;
using DistributedPoolSample;
using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Orleans;
using Energizer.ML.Orleans.Shards;
using Energizer.ML.Scoring;
using Energizer.ML.Torch;
using Microsoft.ML;
using TorchSharp;

namespace Energizer.ML.Benchmarks.Issues;

/// <summary>
/// Issue 14: one round of pool scoring (BALD, MC-Dropout T = 10 with fresh masks, k = 100) of an
/// MLP 784-256-256-10 over a synthetic pool, in this process, on one silo process and on two (one
/// LibTorch thread each, one shard at a time per silo); then the bytes a round puts on the wire
/// for pools of several sizes with the same shard count, and a paper estimate for 10⁸ rows.
/// Each cluster is fresh (new silo processes), warmed up by a round over a small pool of its own.
/// Arguments: [rows (default 2,000,000)] [shards (default 64)].
/// </summary>
internal static class ScaleOut
{
    public static async Task RunAsync(string[] args)
    {
        long rows = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 2_000_000;
        int shards = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
        torch.set_num_threads(1);
        Console.WriteLine($"Scale-out: {rows:N0} rows in {shards} shards, MLP 784-256-256-10, BALD, MC-Dropout T = 10 (fresh masks), k = 100, one LibTorch thread per process");
        Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}; processors: {Environment.ProcessorCount}");

        var ml = new MLContext(0);
        var pool = Pool(ml, seed: 1, rows, shards);
        var warmPool = Pool(ml, seed: 2, 4_000, 4);
        var model = ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = Networks.Mlp([256, 256], 0.5),
            Epochs = 1,
            BatchSize = 64,
            Seed = 0,
        }).Fit(ml.Data.TakeRows(pool, 512));
        var scorer = new AcquisitionScorerOptions { Strategy = AcquisitionStrategy.Bald, Inference = InferenceMode.McDropout(iterations: 10) };
        PoolScoringRequest Request(ShardedPool p) => new(model, p, scorer, 100, new SelectionOptions());

        await InProcessPoolScorer.Instance.SelectAsync(Request(warmPool));
        var clock = Stopwatch.StartNew();
        var single = await InProcessPoolScorer.Instance.SelectAsync(Request(pool));
        double inProcess = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"in process: {inProcess:F1} s ({rows / inProcess:F0} rows/s); load {File.ReadAllText("/proc/loadavg").Trim()}");

        var (oneSilo, oneRound, _) = await OnCluster(1, Request(pool), Request(warmPool), single);
        var (twoSilos, twoRound, wire) = await OnCluster(2, Request(pool), Request(warmPool), single, ml, shards);

        Console.WriteLine($"overhead: in-process time / 1-silo time = {inProcess / oneSilo:F2} (target >= 0.9)");
        Console.WriteLine($"scale: 1-silo time / 2-silo time = {oneSilo / twoSilos:F2} (target >= 1.6 on two idle cores); "
            + $"shards per silo {string.Join("/", twoRound.Shards.GroupBy(s => s.Silo).Select(g => g.Count()))}");
        foreach (var (poolRows, bytes) in wire)
            Console.WriteLine($"wire: {poolRows,10:N0} rows, {shards} shards: {bytes:N0} bytes per round ({bytes / (double)poolRows:F3} bytes per row)");
        double perSilo = oneRound.Shards.Sum(s => s.Rows) / oneRound.Shards.Sum(s => s.Seconds);
        Console.WriteLine($"measured per-silo rate (one LibTorch thread): {perSilo:F0} rows/s");
        foreach (int machines in new[] { 1, 10, 100 })
            Console.WriteLine($"paper estimate, 1e8 rows on {machines,3} machines x 1 silo: {1e8 / (perSilo * machines) / 60:F1} min per round");
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private static ShardedPool Pool(MLContext ml, int seed, long rows, int shards) =>
        new(ml, ShardSource.Synthetic(seed, rows, (rows + shards - 1) / shards, features: 784, classes: 10));

    /// <summary>Starts <paramref name="silos"/> silo processes, warms them up, times one round; with <paramref name="ml"/>, also measures bytes on the wire for smaller pools.</summary>
    private static async Task<(double Seconds, PoolScoringRound Round, List<(long Rows, long Bytes)> Wire)> OnCluster(
        int silos, PoolScoringRequest request, PoolScoringRequest warm, Selection single, MLContext? ml = null, int shards = 0)
    {
        int[] ports = SiloProcess.FreePorts(2 * silos);
        var started = new List<SiloProcess>();
        try
        {
            for (int s = 0; s < silos; s++) started.Add(await SiloProcess.StartAsync(ports[2 * s], ports[(2 * s) + 1], ports[0], 1, TimeSpan.FromMinutes(3)));
            await using var connection = await ClusterConnection.ConnectAsync(started.Select(s => s.GatewayPort), TimeSpan.FromMinutes(30));
            var scorer = new OrleansPoolScorer(connection.Client, (ShardedPool)request.Pool);
            await new OrleansPoolScorer(connection.Client, (ShardedPool)warm.Pool).SelectAsync(warm);
            var clock = Stopwatch.StartNew();
            var selection = await scorer.SelectAsync(request);
            double seconds = clock.Elapsed.TotalSeconds;
            var round = scorer.LastRound!;
            bool same = selection.RowIds.SequenceEqual(single.RowIds) && selection.Scores.SequenceEqual(single.Scores);
            Console.WriteLine($"{silos} silo process(es): {seconds:F1} s ({round.Shards.Sum(s => s.Rows) / seconds:F0} rows/s), selection {(same ? "equals" : "DIFFERS FROM")} in-process; "
                + $"{round.WireBytes:N0} bytes on the wire; load {File.ReadAllText("/proc/loadavg").Trim()}");
            var wire = new List<(long, long)>();
            if (ml is not null)
            {
                foreach (long size in new long[] { 64_000, 256_000 })
                {
                    var small = Pool(ml, seed: 1, size, shards);
                    var smallScorer = new OrleansPoolScorer(connection.Client, small);
                    await smallScorer.SelectAsync(new PoolScoringRequest(request.Model, small, request.Scorer, request.K, request.Selection));
                    wire.Add((size, smallScorer.LastRound!.WireBytes));
                }
                wire.Add((request.Pool.GetRowCount()!.Value, round.WireBytes));
            }
            return (seconds, round, wire);
        }
        finally
        {
            foreach (var silo in started) silo.Dispose();
        }
    }
}
