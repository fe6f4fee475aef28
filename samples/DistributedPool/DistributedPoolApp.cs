using System.CommandLine;
using Energizer.ML;
using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Loop;
using Energizer.ML.Orleans;
using Energizer.ML.Orleans.Shards;
using Energizer.ML.Torch;
using Microsoft.ML;

namespace DistributedPoolSample;

/// <summary>
/// The sample's commands: with none, it starts two silo processes on loopback, runs an
/// active-learning loop whose pool scoring is spread over them, checks every round's selection
/// against the single-process scorer and stops the silos; <c>silo</c> runs one silo (the host
/// the others start, and what a machine of a real cluster runs).
/// </summary>
public static class DistributedPoolApp
{
    /// <summary>Parses <paramref name="args"/> and runs the command.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var threads = new Option<int>("--threads") { Description = "LibTorch threads per process.", DefaultValueFactory = _ => 1 };

        var port = new Option<int>("--port") { Description = "This silo's port.", Required = true };
        var gateway = new Option<int>("--gateway") { Description = "This silo's gateway port (clients connect to it).", Required = true };
        var primary = new Option<int>("--primary") { Description = "The primary silo's port (this silo's own for the primary).", Required = true };
        var silo = new Command("silo", "Runs one silo that scores pool shards, until killed or Ctrl+C.") { port, gateway, primary, threads };
        silo.SetAction(async (parse, stop) =>
        {
            await SiloHost.RunAsync(parse.GetValue(port), parse.GetValue(gateway), parse.GetValue(primary), parse.GetValue(threads), output, stop).ConfigureAwait(false);
            return 0;
        });

        var rows = new Option<long>("--rows") { Description = "Rows of the synthetic pool.", DefaultValueFactory = _ => 40_000 };
        var shardRows = new Option<long>("--shard-rows") { Description = "Rows per shard.", DefaultValueFactory = _ => 2_500 };
        var rounds = new Option<int>("--rounds") { Description = "Queries to make.", DefaultValueFactory = _ => 3 };
        var silos = new Option<int>("--silos") { Description = "Silo processes to start.", DefaultValueFactory = _ => 2 };
        var root = new RootCommand("Active learning whose pool scoring is spread over Orleans silos on this machine.") { rows, shardRows, rounds, silos, threads, silo };
        root.SetAction(async (parse, stop) => await DemoAsync(parse.GetValue(rows), parse.GetValue(shardRows), parse.GetValue(rounds), parse.GetValue(silos), parse.GetValue(threads), output, stop).ConfigureAwait(false));
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output }).ConfigureAwait(false);
    }

    private static async Task<int> DemoAsync(long rows, long shardRows, int rounds, int siloCount, int threads, TextWriter output, CancellationToken stop)
    {
        TorchRuntime.EnsureLoaded();
        TorchSharp.torch.set_num_threads(threads);
        int[] ports = SiloProcess.FreePorts(2 * siloCount);
        var started = new List<SiloProcess>();
        try
        {
            for (int s = 0; s < siloCount; s++)
            {
                started.Add(await SiloProcess.StartAsync(ports[2 * s], ports[(2 * s) + 1], ports[0], threads, TimeSpan.FromMinutes(3)).ConfigureAwait(false));
                await output.WriteLineAsync($"Started silo {s + 1} of {siloCount} (port {ports[2 * s]}).").ConfigureAwait(false);
            }
            await using var connection = await ClusterConnection.ConnectAsync(started.Select(s => s.GatewayPort), TimeSpan.FromMinutes(5)).ConfigureAwait(false);

            var ml = new MLContext(0);
            var pool = new ShardedPool(ml, ShardSource.Synthetic(seed: 1, rows, shardRows, features: 64, classes: 10));
            await output.WriteLineAsync($"Pool: {pool.RowCount:N0} synthetic rows in {pool.Shards.Count} shards.").ConfigureAwait(false);
            var scorer = new CheckedPoolScorer(new OrleansPoolScorer(connection.Client, pool), output);
            var options = new ActiveLearningOptions
            {
                Strategy = AcquisitionStrategy.Bald,
                Inference = InferenceMode.McDropout(iterations: 10),
                QuerySize = 10,
                InitialLabelledCount = 20,
                MaxRounds = rounds,
                PoolScorer = scorer,
            };
            var learner = ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
            {
                Network = Networks.Mlp([128], 0.3),
                Epochs = 20,
                BatchSize = 32,
                Seed = 0,
            });
            var progress = new Progress(output);
            var result = await ml.ActiveLearning().Trainer(options).FitAsync(learner, pool, Oracles.FromLabelColumn(), progress: progress, cancellationToken: stop).ConfigureAwait(false);
            await output.WriteLineAsync(
                $"{result.Rounds.Count - 1} queries, {result.LabelledRowIds.Count} labels; selections equal to the single-process scorer's in "
                + $"{result.Rounds.Count - 1 - scorer.Mismatches} of {result.Rounds.Count - 1} rounds.").ConfigureAwait(false);
            return scorer.Mismatches == 0 ? 0 : 1;
        }
        finally
        {
            foreach (var process in started) process.Dispose();
            await output.WriteLineAsync("Stopped the silos.").ConfigureAwait(false);
        }
    }

    /// <summary>Prints each round as the loop reports it (synchronously: the loop runs on this thread's awaits).</summary>
    private sealed class Progress(TextWriter output) : IProgress<RoundReport>
    {
        public void Report(RoundReport value) =>
            output.WriteLine($"Round {value.Round}: {value.LabelledCount} labels, query {value.QuerySeconds:F2} s, selected {value.SelectedRowIds.Count} rows.");
    }
}
