using System.CommandLine;
using System.Globalization;
using Energizer.ML.Labelling;
using Energizer.ML.Loop;
using Energizer.ML.Samples;
using Energizer.ML.Torch;
using Microsoft.ML;
using TorchSharp;

namespace DigitsSample;

/// <summary>The command line of the Digits sample: compare strategies, or label digits yourself.</summary>
public static class DigitsApp
{
    /// <summary>Parses <paramref name="args"/> and runs; returns the process exit code.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="input">Where a person's labels are read from in <c>--interactive</c> mode.</param>
    /// <param name="output">Progress, tables and prompts.</param>
    /// <param name="error">Error messages.</param>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(input);
        var defaults = new DigitsSettings { Strategies = [], OutputDirectory = "", DataPath = "" };
        var strategies = SampleOptions.Strategies(StrategyChoice.DefaultList, "; --interactive uses the first (default Margin)");
        var rounds = SampleOptions.Int("--rounds", "Queries per strategy.", defaults.Rounds, minimum: 0);
        var querySize = SampleOptions.Int("--query-size", "Rows labelled per query.", defaults.QuerySize, minimum: 1);
        var initial = SampleOptions.Int("--initial", "Rows labelled at random before the first query.", defaults.InitialLabelled, minimum: 1);
        var epochs = SampleOptions.Int("--epochs", "Training epochs of each fit.", defaults.Epochs, minimum: 1);
        var minimumSteps = SampleOptions.MinimumSteps();
        var mcIterations = SampleOptions.Int("--mc-iterations", "MC-Dropout passes of BALD-type strategies.", defaults.McDropoutIterations, minimum: 2);
        var threads = SampleOptions.Int("--threads", "TorchSharp threads (this small network trains fastest on one).", defaults.Threads, minimum: 1);
        var seed = new Option<int>("--seed") { Description = "Seed of the split, the initial labels, the network and the strategies.", DefaultValueFactory = _ => 0 };
        var seeds = SampleOptions.Seeds();
        var initialStrategy = SampleOptions.InitialStrategy();
        var embedding = SampleOptions.Embedding();
        var pcaRank = SampleOptions.PcaRank(defaults.PcaRank);
        var probCoverPurity = SampleOptions.ProbCoverPurity();
        var outDirectory = new Option<string>("--out")
        {
            Description = "Folder for the learning curves (CSV, PNG), histories, the model and checkpoints.",
            DefaultValueFactory = _ => Path.Combine("out", "digits"),
        };
        var data = new Option<string>("--data")
        {
            Description = "The digits CSV (64 pixel counts 0..16, then the digit, per line; no header).",
            DefaultValueFactory = _ => Path.Combine(AppContext.BaseDirectory, "data", "digits.csv"),
        };
        var checkpoints = new Option<string?>("--checkpoint")
        {
            Description = "Save each strategy's run in DIR/<strategy>/ after every label; a stopped or killed run started again with the same options continues where it stopped.",
        };
        var interactive = new Option<bool>("--interactive")
        {
            Description = "You are the oracle: each selected digit is drawn and you type its label; progress is saved after every label, so quitting (q) and running again continues.",
        };

        var web = new Option<bool>("--web")
        {
            Description = "As --interactive, in a browser: prints the address of a labelling page (digits drawn as images, buttons and keys 0-9, the model's guess, the learning curve).",
        };

        var command = new RootCommand("Energizer.ML digits sample: active learning with several strategies on the same seed, with learning curves.")
        {
            strategies, rounds, querySize, initial, epochs, minimumSteps, mcIterations, threads, seed, seeds, initialStrategy, embedding, pcaRank, probCoverPurity, outDirectory, data, checkpoints, interactive, web,
        };
        command.SetAction(parse =>
        {
            StrategyChoice.TryParseList(parse.GetValue(strategies)!, out var parsed, out _);
            var choices = StrategyChoice.WithProbCoverPurity(parsed, parse.GetValue(probCoverPurity));
            if ((parse.GetValue(interactive) || parse.GetValue(web)) && parse.GetResult(strategies) is not { Implicit: false })
                choices = [StrategyChoice.All.Single(c => c.Name == "Margin")];
            var settings = new DigitsSettings
            {
                Strategies = choices,
                Rounds = parse.GetValue(rounds),
                QuerySize = parse.GetValue(querySize),
                InitialLabelled = parse.GetValue(initial),
                Epochs = parse.GetValue(epochs),
                MinimumSteps = parse.GetValue(minimumSteps),
                McDropoutIterations = parse.GetValue(mcIterations),
                Threads = parse.GetValue(threads),
                Seed = parse.GetValue(seed),
                Seeds = parse.GetValue(seeds),
                InitialStrategy = parse.GetValue(initialStrategy)!,
                Embedding = parse.GetValue(embedding),
                PcaRank = parse.GetValue(pcaRank),
                ProbCoverPurity = parse.GetValue(probCoverPurity),
                OutputDirectory = Path.GetFullPath(parse.GetValue(outDirectory)!),
                DataPath = parse.GetValue(data)!,
                Interactive = parse.GetValue(interactive),
                Web = parse.GetValue(web),
                CheckpointDirectory = parse.GetValue(checkpoints) is { } dir ? Path.GetFullPath(dir) : null,
            };
            return Run(settings, input, output, error);
        });
        return await command.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }).ConfigureAwait(false);
    }

    private static int Run(DigitsSettings settings, TextReader input, TextWriter output, TextWriter error)
    {
        List<ModelInput> rows;
        try
        {
            rows = DigitsData.Load(settings.DataPath);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"Cannot read the data: {e.Message}");
            return 1;
        }
        Directory.CreateDirectory(settings.OutputDirectory);
        TorchRuntime.SetThreads(settings.Threads);
        if (settings.Seeds > 1 && !settings.Interactive && !settings.Web) return CompareSeeds(rows, settings, output);
        var mlContext = new MLContext(settings.Seed);
        var (poolRows, testRows) = DigitsData.Split(rows, settings.Seed);
        var (pool, embeddingColumn) = PoolEmbedding.Add(mlContext, mlContext.Data.LoadFromEnumerable(poolRows), "Features", settings.Embedding, settings.PcaRank, settings.Seed);
        settings = settings with { EmbeddingColumnName = embeddingColumn };
        var test = mlContext.Data.LoadFromEnumerable(testRows);
        output.WriteLine($"{rows.Count} digits from {settings.DataPath}: pool {poolRows.Count}, test {testRows.Count}. "
            + $"{settings.InitialLabelled} initial labels, {settings.Rounds} rounds of {settings.QuerySize}, embedding {PoolEmbedding.Describe(settings.Embedding, settings.PcaRank)}, seed {settings.Seed}.");
        try
        {
            var runs = settings.Interactive || settings.Web
                ? LabelInteractively(mlContext, pool, test, settings, input, output)
                : Compare(mlContext, pool, test, settings, output);
            if (runs is null) return 0;
            WriteOutputs(runs, settings, testRows, output);
            return 0;
        }
        catch (InvalidDataException e)
        {
            // A checkpoint from another configuration or a damaged one: the library leaves it untouched.
            error.WriteLine(e.Message);
            return 1;
        }
    }

    private static List<StrategyRun> Compare(MLContext mlContext, IDataView pool, IDataView test, DigitsSettings settings, TextWriter output) =>
        StrategyComparison.Run(settings.Strategies, settings.Rounds, output, (strategy, progress) =>
            Digits.RunActiveLearning(mlContext, pool, test, strategy, settings, Oracles.FromLabelColumn("Label"), CheckpointOf(settings, strategy), progress));

    /// <summary>
    /// Every strategy on seeds <see cref="DigitsSettings.Seed"/> … + <see cref="DigitsSettings.Seeds"/> − 1 (each seed its own
    /// split, initial labels and network), then the table of means ± standard deviations over seeds.
    /// </summary>
    private static int CompareSeeds(List<ModelInput> rows, DigitsSettings settings, TextWriter output)
    {
        var jobs = Enumerable.Range(settings.Seed, settings.Seeds).SelectMany(s => settings.Strategies.Select(c => (Strategy: c, Seed: s))).ToList();
        var data = new Dictionary<int, (MLContext Context, IDataView Pool, string? EmbeddingColumn, IDataView Test)>();
        var results = StrategyComparison.RunJobs(jobs, j => $"{j.Strategy.Name} s{j.Seed}", settings.Rounds, output, (job, progress) =>
        {
            if (!data.TryGetValue(job.Seed, out var split))
            {
                var context = new MLContext(job.Seed);
                var (poolRows, testRows) = DigitsData.Split(rows, job.Seed);
                var (pool, embeddingColumn) = PoolEmbedding.Add(context, context.Data.LoadFromEnumerable(poolRows), "Features", settings.Embedding, settings.PcaRank, job.Seed);
                data[job.Seed] = split = (context, pool, embeddingColumn, context.Data.LoadFromEnumerable(testRows));
            }
            var seeded = settings with { Seed = job.Seed, EmbeddingColumnName = split.EmbeddingColumn };
            return Digits.RunActiveLearning(split.Context, split.Pool, split.Test, job.Strategy, seeded, Oracles.FromLabelColumn("Label"),
                settings.CheckpointDirectory is { } dir ? Path.Combine(dir, $"{job.Strategy.Name}-seed{job.Seed}") : null, progress);
        });
        var runs = jobs.Select((job, i) => new SeededStrategyRun(job.Strategy.Name, job.Seed, results[i])).ToList();
        string csv = SeedSummary.WriteCsv(runs, settings.OutputDirectory);
        StrategyComparison.CreateConsole(output).Write(SeedSummary.Table(runs,
            $"Digits over {settings.Seeds} seeds: {settings.InitialLabelled} initial labels ({settings.InitialStrategy}), {settings.Rounds} queries of {settings.QuerySize}, embedding {PoolEmbedding.Describe(settings.Embedding, settings.PcaRank)}"));
        output.WriteLine($"Wrote {csv}.");
        return 0;
    }

    private static string? CheckpointOf(DigitsSettings settings, StrategyChoice strategy) =>
        settings.CheckpointDirectory is { } dir ? Path.Combine(dir, strategy.Name) : null;

    private static List<StrategyRun>? LabelInteractively(MLContext mlContext, IDataView pool, IDataView test, DigitsSettings settings, TextReader input, TextWriter output)
    {
        var strategy = settings.Strategies[0];
        string checkpoint = Path.Combine(settings.OutputDirectory, "checkpoint-" + strategy.Name);
        string[] digits = [.. Enumerable.Range(0, 10).Select(d => d.ToString(CultureInfo.InvariantCulture))];
        var browser = settings.Web
            ? BrowserLabelling.Start($"Energizer.ML digits ({strategy.Name})", digits.Select(d => new LabelClass(d)), RowRenderer.PixelImage("Features", 8, 8), output)
            : null;
        output.WriteLine(settings.Web
            ? $"You are the oracle ({strategy.Name}): click the digit you see, or press its key; Space skips, Backspace undoes. "
                + $"Every label is saved in {checkpoint}; run the same command again to continue."
            : $"You are the oracle ({strategy.Name}): type the digit you see (0-9), Enter to skip, q to quit. "
                + $"Every label is saved in {checkpoint}; run the same command again to continue.");
        IOracle oracle = browser?.Oracle ?? Oracles.Console(input, output, DigitDrawing.Describe, digits);
        void Describe(RoundReport r) => output.WriteLine($"{strategy.Name} {StrategyComparison.Describe(r, settings.Rounds)}");
        var progress = browser?.Progress(Describe) ?? new SyncProgress<RoundReport>(Describe);
        try
        {
            return [new StrategyRun(strategy.Name, Digits.RunActiveLearning(mlContext, pool, test, strategy, settings, oracle, checkpoint, progress))];
        }
        catch (OperationCanceledException)
        {
            output.WriteLine();
            output.WriteLine($"Stopped. Your labels are saved in {checkpoint}; run the same command again to continue.");
            return null;
        }
        finally
        {
            browser?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static void WriteOutputs(List<StrategyRun> runs, DigitsSettings settings, List<ModelInput> testRows, TextWriter output)
    {
        var (csv, png) = LearningCurveReport.WriteAll(runs, settings.OutputDirectory,
            $"Digits: {settings.InitialLabelled} random labels, then {settings.QuerySize} per query (seed {settings.Seed})");
        var best = runs.MaxBy(r => r.Result.MeanAccuracy) ?? runs[0];
        Digits.ModelPath = Path.Combine(settings.OutputDirectory, "model.bin");
        Digits.SaveModel(best.Result.Model, Digits.ModelPath);

        StrategyComparison.CreateConsole(output).Write(LearningCurveReport.Table(runs, "Active learning on digits (test accuracy)"));
        var example = testRows[0];
        var prediction = Digits.Predict(example);
        output.WriteLine($"Predict(first test digit) with {best.Name}'s final model: {prediction.Digit} (true {example.Label}, probability {prediction.Score[prediction.Digit]:F3}).");
        output.WriteLine($"Wrote {csv}, {png}, histories, labels and {Digits.ModelPath}.");
    }
}
