using System.CommandLine;
using Energizer.ML.Labelling;
using Energizer.ML.Loop;
using Energizer.ML.Samples;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;
using TorchSharp;

namespace ReviewsSample;

/// <summary>The command line of the Reviews sample: compare strategies on text, or label reviews yourself.</summary>
public static class ReviewsApp
{
    /// <summary>Parses <paramref name="args"/> and runs; returns the process exit code.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="input">Where a person's labels are read from in <c>--interactive</c> mode.</param>
    /// <param name="output">Progress, tables and prompts.</param>
    /// <param name="error">Error messages.</param>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(input);
        var defaults = new ReviewsSettings { Strategies = [], OutputDirectory = "", PoolPath = "", TestPath = "" };
        var strategies = SampleOptions.Strategies("Random,Margin,Entropy", "; BALD-type strategies need --learner mlp; --interactive uses the first (default Margin)");
        var learner = new Option<LearnerChoice>("--learner")
        {
            Description = "MaxEnt: L-BFGS logistic regression on the n-grams; Mlp: a TorchSharp MLP (64 hidden, dropout 0.3) on the sparse n-grams, which BALD needs.",
            DefaultValueFactory = _ => defaults.Learner,
        };
        var initial = SampleOptions.Int("--initial", "Reviews labelled at random before the first query.", defaults.InitialLabelled, minimum: 1);
        var querySize = SampleOptions.Int("--query-size", "Reviews labelled per query.", defaults.QuerySize, minimum: 1);
        var budget = SampleOptions.Int("--budget", "Total labels, the initial ones included.", defaults.Budget, minimum: 1);
        var seeds = SampleOptions.Int("--seeds", "Seeds per strategy (--seed, --seed + 1, ...); the table and the curves average them.", defaults.Seeds, minimum: 1);
        var seed = new Option<int>("--seed") { Description = "The first seed (initial labels, learner, strategies).", DefaultValueFactory = _ => 0 };
        var featurizer = new Option<string>("--featurizer")
        {
            Description = "Fit the text featurizer on the whole 'pool' (no labels are read; the default) or on the 'labelled' reviews only, each round.",
            DefaultValueFactory = _ => "pool",
        };
        featurizer.AcceptOnlyFromAmong("pool", "labelled");
        var epochs = SampleOptions.Int("--epochs", "Training epochs of each MLP fit.", defaults.Epochs, minimum: 1);
        var sparseUpdate = new Option<SparseUpdate>("--sparse-update")
        {
            Description = "How the MLP's first layer learns from the sparse n-grams: Lazy (Adam on each batch's n-grams only, the default) or Dense (Adam on all of them every step, about 10x slower).",
            DefaultValueFactory = _ => defaults.SparseUpdate,
        };
        var mcIterations = SampleOptions.Int("--mc-iterations", "MC-Dropout passes of BALD.", defaults.McDropoutIterations, minimum: 2);
        var threads = SampleOptions.Int("--threads", "TorchSharp threads of the MLP.", 1, minimum: 1);
        var outDirectory = new Option<string>("--out")
        {
            Description = "Folder for the learning curves (CSV, PNG), histories, labels and checkpoints.",
            DefaultValueFactory = _ => Path.Combine("out", "reviews"),
        };
        var pool = new Option<string>("--pool")
        {
            Description = "The pool TSV (header Label, Product, Text; labels great/other).",
            DefaultValueFactory = _ => Path.Combine(AppContext.BaseDirectory, "data", "finefoods_training.tsv"),
        };
        var test = new Option<string>("--test")
        {
            Description = "The test TSV, same format.",
            DefaultValueFactory = _ => Path.Combine(AppContext.BaseDirectory, "data", "finefoods_testing.tsv"),
        };
        var interactive = new Option<bool>("--interactive")
        {
            Description = "You are the oracle: each selected review is shown and you answer great or other; progress is saved after every label, so quitting (q) and running again continues.",
        };

        var web = new Option<bool>("--web")
        {
            Description = "As --interactive, in a browser: prints the address of a labelling page (the review as text, buttons and keys g/o, the model's guess, the learning curve).",
        };

        var command = new RootCommand("Energizer.ML reviews sample: active learning on Amazon fine-food reviews (great or other), strategies against Random, with learning curves.")
        {
            strategies, learner, initial, querySize, budget, seeds, seed, featurizer, epochs, sparseUpdate, mcIterations, threads, outDirectory, pool, test, interactive, web,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(learner) == LearnerChoice.MaxEnt && StrategyChoice.TryParseList(result.GetValue(strategies) ?? "", out var chosen, out _)
                && chosen.FirstOrDefault(c => c.Stochastic) is { } stochastic)
                result.AddError($"{stochastic.Name} needs MC-Dropout passes of a network: add --learner mlp.");
            if (result.GetValue(budget) < result.GetValue(initial))
                result.AddError($"--budget ({result.GetValue(budget)}) must be at least --initial ({result.GetValue(initial)}).");
        });
        command.SetAction(parse =>
        {
            StrategyChoice.TryParseList(parse.GetValue(strategies)!, out var choices, out _);
            if ((parse.GetValue(interactive) || parse.GetValue(web)) && parse.GetResult(strategies) is not { Implicit: false })
                choices = [StrategyChoice.All.Single(c => c.Name == "Margin")];
            var settings = new ReviewsSettings
            {
                Strategies = choices,
                Learner = parse.GetValue(learner),
                InitialLabelled = parse.GetValue(initial),
                QuerySize = parse.GetValue(querySize),
                Budget = parse.GetValue(budget),
                Seeds = parse.GetValue(seeds),
                Seed = parse.GetValue(seed),
                FeaturizeOnPool = parse.GetValue(featurizer) == "pool",
                Epochs = parse.GetValue(epochs),
                SparseUpdate = parse.GetValue(sparseUpdate),
                McDropoutIterations = parse.GetValue(mcIterations),
                OutputDirectory = Path.GetFullPath(parse.GetValue(outDirectory)!),
                PoolPath = parse.GetValue(pool)!,
                TestPath = parse.GetValue(test)!,
                Interactive = parse.GetValue(interactive),
                Web = parse.GetValue(web),
            };
            return Run(settings, parse.GetValue(threads), input, output, error);
        });
        return await command.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }).ConfigureAwait(false);
    }

    private static int Run(ReviewsSettings settings, int threads, TextReader input, TextWriter output, TextWriter error)
    {
        List<Review> poolRows, testRows;
        try
        {
            poolRows = ReviewsData.Load(settings.PoolPath);
            testRows = ReviewsData.Load(settings.TestPath);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"Cannot read the data: {e.Message}");
            return 1;
        }
        Directory.CreateDirectory(settings.OutputDirectory);
        if (settings.Learner == LearnerChoice.Mlp)
        {
            TorchRuntime.SetThreads(threads);
        }
        var mlContext = new MLContext(settings.Seed);
        var pool = mlContext.Data.LoadFromEnumerable(poolRows);
        var test = mlContext.Data.LoadFromEnumerable(testRows);
        output.WriteLine($"Pool {poolRows.Count} reviews ({settings.PoolPath}), test {testRows.Count} ({settings.TestPath}). {settings.Learner}{(settings.Learner == LearnerChoice.Mlp ? $" ({settings.SparseUpdate} Adam on the n-grams)" : "")}, featurizer fitted on "
            + $"{(settings.FeaturizeOnPool ? "the pool" : "the labelled reviews")}; {settings.InitialLabelled} initial labels, {settings.QuerySize} per query, "
            + $"budget {settings.Budget}, seeds {settings.Seed}..{settings.Seed + settings.Seeds - 1}.");
        try
        {
            var runs = settings.Interactive || settings.Web
                ? LabelInteractively(mlContext, pool, test, settings, input, output)
                : Compare(mlContext, pool, test, settings, output);
            if (runs is null) return 0;
            WriteOutputs(runs, settings, output);
            return 0;
        }
        catch (InvalidDataException e)
        {
            // A checkpoint from another configuration or a damaged one: the library leaves it untouched.
            error.WriteLine(e.Message);
            return 1;
        }
    }

    private static int Rounds(ReviewsSettings settings) => (settings.Budget - settings.InitialLabelled + settings.QuerySize - 1) / settings.QuerySize;

    private static List<SeededRun> Compare(MLContext mlContext, IDataView pool, IDataView test, ReviewsSettings settings, TextWriter output)
    {
        var jobs = settings.Strategies.SelectMany(s => Enumerable.Range(settings.Seed, settings.Seeds).Select(seed => (Strategy: s, Seed: seed))).ToList();
        string Name((StrategyChoice Strategy, int Seed) job) => settings.Seeds == 1 ? job.Strategy.Name : $"{job.Strategy.Name} s{job.Seed}";
        var results = StrategyComparison.RunJobs(jobs, Name, Rounds(settings), output, (job, progress) =>
            ReviewsLearner.Run(mlContext, pool, test, job.Strategy, job.Seed, settings, Oracles.FromLabelColumn("Label"), null, progress));
        return [.. jobs.Select((job, i) => new SeededRun(job.Strategy.Name, job.Seed, results[i]))];
    }

    private static List<SeededRun>? LabelInteractively(MLContext mlContext, IDataView pool, IDataView test, ReviewsSettings settings, TextReader input, TextWriter output)
    {
        var strategy = settings.Strategies[0];
        string checkpoint = Path.Combine(settings.OutputDirectory, "checkpoint-" + strategy.Name);
        var browser = settings.Web
            ? BrowserLabelling.Start($"Energizer.ML reviews ({strategy.Name})", ReviewsData.Labels.Select(l => new LabelClass(l)), RowRenderer.Text(nameof(Review.Text)), output)
            : null;
        output.WriteLine(settings.Web
            ? $"You are the oracle ({strategy.Name}): answer great or other for each review in the browser (keys 1/g, 2/o; Space skips, Backspace undoes). "
                + $"Every label is saved in {checkpoint}; run the same command again to continue."
            : $"You are the oracle ({strategy.Name}): answer great or other for each review, Enter to skip, q to quit. "
                + $"Every label is saved in {checkpoint}; run the same command again to continue.");
        IOracle oracle = browser?.Oracle ?? Oracles.Console(input, output, Show, ReviewsData.Labels);
        void Describe(RoundReport r) => output.WriteLine($"{strategy.Name} {StrategyComparison.Describe(r, Rounds(settings))}");
        var progress = browser?.Progress(Describe) ?? new SyncProgress<RoundReport>(Describe);
        try
        {
            return [new SeededRun(strategy.Name, settings.Seed, ReviewsLearner.Run(mlContext, pool, test, strategy, settings.Seed, settings, oracle, checkpoint, progress))];
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

    /// <summary>Shows a review to the person: its product and its text (long texts cut at 1,200 characters).</summary>
    private static string Show(DataViewRow row, long rowId)
    {
        ReadOnlyMemory<char> text = default, product = default;
        row.GetGetter<ReadOnlyMemory<char>>(row.Schema[nameof(Review.Text)])(ref text);
        row.GetGetter<ReadOnlyMemory<char>>(row.Schema[nameof(Review.Product)])(ref product);
        string body = text.Length > 1200 ? string.Concat(text.Span[..1200], " ...") : text.ToString();
        return $"pool row {rowId}, product {product}:{Environment.NewLine}{body}";
    }

    private static void WriteOutputs(List<SeededRun> runs, ReviewsSettings settings, TextWriter output)
    {
        string csv = Path.Combine(settings.OutputDirectory, "learning-curves.csv");
        string png = Path.Combine(settings.OutputDirectory, "learning-curves.png");
        ReviewsReport.WriteCsv(runs, csv);
        ReviewsReport.WritePng(runs, png, $"Fine-food reviews, {settings.Learner}: {settings.InitialLabelled} random labels, then {settings.QuerySize} per query"
            + (settings.Seeds > 1 ? $" ({settings.Seeds} seeds)" : $" (seed {settings.Seed})"));
        foreach (var run in runs)
        {
            string suffix = settings.Seeds == 1 ? run.Strategy : $"{run.Strategy}-seed{run.Seed}";
            run.Result.SaveHistoryCsv(Path.Combine(settings.OutputDirectory, $"history-{suffix}.csv"));
            run.Result.SaveLabelsCsv(Path.Combine(settings.OutputDirectory, $"labels-{suffix}.csv"));
        }
        StrategyComparison.CreateConsole(output).Write(ReviewsReport.Table(runs));
        if (settings.Seeds > 1)
        {
            StrategyComparison.CreateConsole(output).Write(SeedSummary.Table([.. runs.Select(r => new SeededStrategyRun(r.Strategy, r.Seed, r.Result))],
                $"Fine-food reviews over {settings.Seeds} seeds: the spread between seeds"));
        }
        output.WriteLine($"Wrote {csv}, {png}, histories and labels.");
    }
}
