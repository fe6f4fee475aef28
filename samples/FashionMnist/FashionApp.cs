using System.CommandLine;
using Energizer.ML.Inference;
using Energizer.ML.Labelling;
using Energizer.ML.Loop;
using Energizer.ML.Samples;
using Energizer.ML.Torch;
using Microsoft.ML;
using TorchSharp;

namespace FashionMnistSample;

/// <summary>The command line of the Fashion-MNIST sample: a ConvNet with MC-Dropout BALD against Random.</summary>
public static class FashionApp
{
    /// <summary>Where Debian's and Ubuntu's dataset-fashion-mnist package puts the IDX files.</summary>
    public const string DebianDataDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Parses <paramref name="args"/> and runs; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var defaults = new FashionSettings { Strategies = [], OutputDirectory = "", DataDirectory = "" };
        var strategies = SampleOptions.Strategies("Random,BALD");
        var rounds = SampleOptions.Int("--rounds", "Queries per strategy.", defaults.Rounds, 0);
        var querySize = SampleOptions.Int("--query-size", "Images labelled per query.", defaults.QuerySize, 1);
        var initial = SampleOptions.Int("--initial", "Images labelled at random before the first query.", defaults.InitialLabelled, 1);
        var poolSize = SampleOptions.Int("--pool-size", "Training images used as the pool.", defaults.PoolSize, 1);
        var testSize = SampleOptions.Int("--test-size", "Test images evaluated every round.", defaults.TestSize, 1);
        var epochs = SampleOptions.Int("--epochs", "Training epochs of each fit.", defaults.Epochs, 1);
        var mcIterations = SampleOptions.Int("--mc-iterations", "MC-Dropout passes of BALD-type strategies.", defaults.McDropoutIterations, 2);
        var threads = SampleOptions.Int("--threads", "TorchSharp threads.", defaults.Threads, 1);
        var seed = new Option<int>("--seed") { Description = "Seed of the initial labels, the network and the strategies.", DefaultValueFactory = _ => 0 };
        var seeds = SampleOptions.Seeds();
        var initialStrategy = SampleOptions.InitialStrategy();
        var minimumSteps = SampleOptions.MinimumSteps();
        var embedding = SampleOptions.Embedding();
        var pcaRank = SampleOptions.PcaRank(defaults.PcaRank);
        var probCoverPurity = SampleOptions.ProbCoverPurity();
        var longProtocol = new Option<bool>("--long")
        {
            Description = $"The long protocol: {LongProtocol.InitialLabelled} initial labels and {LongProtocol.Rounds} queries of {LongProtocol.QuerySize}, up to 1,000 labels (replaces --initial, --rounds and --query-size).",
        };
        var outDirectory = new Option<string>("--out")
        {
            Description = "Folder for the learning curves (CSV, PNG), histories and the model.",
            DefaultValueFactory = _ => Path.Combine("out", "fashion-mnist"),
        };
        var data = new Option<string>("--data")
        {
            Description = $"Folder with the four Fashion-MNIST IDX files ({string.Join(", ", IdxReader.Files)}).",
            DefaultValueFactory = _ => DebianDataDirectory,
        };
        var onnx = new Option<bool>("--onnx")
        {
            Description = "After the comparison, score the pool with the best model exported to ONNX, on ONNX Runtime's CUDA provider where a GPU exists (CPU otherwise), and compare rows/s and scores with TorchSharp.",
        };
        var engine = new Option<InferenceEngine>("--engine")
        {
            Description = "What scores the pool: Auto (ONNX Runtime where the network exports), TorchSharp or OnnxRuntime.",
            DefaultValueFactory = _ => defaults.Engine,
        };
        var web = new Option<bool>("--web")
        {
            Description = "You are the oracle, in a browser: prints the address of a labelling page (each image drawn, a button and key per class, the model's guess, the learning curve). "
                + "Runs the first strategy (BALD unless --strategies is given); every label is saved, so running the same command again continues.",
        };
        var command = new RootCommand("Energizer.ML Fashion-MNIST sample: a ConvNet with MC-Dropout BALD against Random, with learning curves.")
        {
            strategies, rounds, querySize, initial, poolSize, testSize, epochs, mcIterations, threads, seed, seeds, initialStrategy, minimumSteps, embedding, pcaRank, probCoverPurity, longProtocol, outDirectory, data, onnx, engine, web,
        };
        command.SetAction(parse =>
        {
            StrategyChoice.TryParseList(parse.GetValue(strategies)!, out var parsed, out _);
            var choices = StrategyChoice.WithProbCoverPurity(parsed, parse.GetValue(probCoverPurity));
            if (parse.GetValue(web) && parse.GetResult(strategies) is not { Implicit: false })
                choices = [StrategyChoice.All.Single(c => c.Name == "BALD")];
            bool isLong = parse.GetValue(longProtocol);
            return Run(new FashionSettings
            {
                Strategies = choices,
                Rounds = isLong ? LongProtocol.Rounds : parse.GetValue(rounds),
                QuerySize = isLong ? LongProtocol.QuerySize : parse.GetValue(querySize),
                InitialLabelled = isLong ? LongProtocol.InitialLabelled : parse.GetValue(initial),
                PoolSize = parse.GetValue(poolSize),
                TestSize = parse.GetValue(testSize),
                Epochs = parse.GetValue(epochs),
                McDropoutIterations = parse.GetValue(mcIterations),
                Threads = parse.GetValue(threads),
                Seed = parse.GetValue(seed),
                Seeds = parse.GetValue(seeds),
                InitialStrategy = parse.GetValue(initialStrategy)!,
                MinimumSteps = parse.GetValue(minimumSteps),
                Embedding = parse.GetValue(embedding),
                PcaRank = parse.GetValue(pcaRank),
                ProbCoverPurity = parse.GetValue(probCoverPurity),
                OutputDirectory = Path.GetFullPath(parse.GetValue(outDirectory)!),
                DataDirectory = parse.GetValue(data)!,
                Onnx = parse.GetValue(onnx),
                Web = parse.GetValue(web),
                Engine = parse.GetValue(engine),
            }, output, error);
        });
        return await command.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }).ConfigureAwait(false);
    }

    private static int Run(FashionSettings settings, TextWriter output, TextWriter error)
    {
        var missing = IdxReader.Files.Where(f => !File.Exists(Path.Combine(settings.DataDirectory, f))).ToList();
        if (missing.Count > 0)
        {
            error.WriteLine($"Fashion-MNIST not found: {string.Join(", ", missing)} missing in {Path.GetFullPath(settings.DataDirectory)}. "
                + "On Debian or Ubuntu run `sudo apt-get install dataset-fashion-mnist` (it installs them in "
                + $"{DebianDataDirectory}), or pass --data with a folder holding the four IDX files.");
            return 1;
        }
        List<ModelInput> poolRows, testRows;
        try
        {
            poolRows = IdxReader.Read(Path.Combine(settings.DataDirectory, IdxReader.Files[0]), Path.Combine(settings.DataDirectory, IdxReader.Files[1]), settings.PoolSize);
            testRows = IdxReader.Read(Path.Combine(settings.DataDirectory, IdxReader.Files[2]), Path.Combine(settings.DataDirectory, IdxReader.Files[3]), settings.TestSize);
        }
        catch (InvalidDataException e)
        {
            error.WriteLine($"Cannot read Fashion-MNIST: {e.Message}");
            return 1;
        }
        Directory.CreateDirectory(settings.OutputDirectory);
        TorchRuntime.SetThreads(settings.Threads);
        var mlContext = new MLContext(settings.Seed);
        var (pool, embeddingColumn) = PoolEmbedding.Add(mlContext, mlContext.Data.LoadFromEnumerable(poolRows), "Features", settings.Embedding, settings.PcaRank, settings.Seed);
        settings = settings with { EmbeddingColumnName = embeddingColumn };
        var test = mlContext.Data.LoadFromEnumerable(testRows);
        output.WriteLine($"Fashion-MNIST from {settings.DataDirectory}: pool {poolRows.Count}, test {testRows.Count}. "
            + $"{settings.InitialLabelled} initial labels ({settings.InitialStrategy}), {settings.Rounds} rounds of {settings.QuerySize}, embedding {PoolEmbedding.Describe(settings.Embedding, settings.PcaRank)}, seed {settings.Seed}"
            + (settings.Seeds > 1 ? $" to {settings.Seed + settings.Seeds - 1}." : "."));
        if (settings.Seeds > 1 && !settings.Web) return CompareSeeds(pool, test, settings, output);

        var runs = settings.Web
            ? LabelInBrowser(mlContext, pool, test, settings, output)
            : StrategyComparison.Run(settings.Strategies, settings.Rounds, output,
                (strategy, progress) => FashionMnist.RunActiveLearning(mlContext, pool, test, strategy, settings, progress));
        var (csv, png) = LearningCurveReport.WriteAll(runs, settings.OutputDirectory,
            $"Fashion-MNIST ConvNet: {settings.InitialLabelled} random labels, then {settings.QuerySize} per query (seed {settings.Seed})");
        var best = runs.MaxBy(r => r.Result.MeanAccuracy) ?? runs[0];
        FashionMnist.ModelPath = Path.Combine(settings.OutputDirectory, "model.bin");
        FashionMnist.SaveModel(best.Result.Model, FashionMnist.ModelPath);
        StrategyComparison.CreateConsole(output).Write(LearningCurveReport.Table(runs, "Active learning on Fashion-MNIST (test accuracy)"));
        var prediction = FashionMnist.Predict(testRows[0]);
        output.WriteLine($"Predict(first test image) with {best.Name}'s final model: {FashionMnist.ClassNames[prediction.PredictedLabel - 1]} "
            + $"(true {FashionMnist.ClassNames[testRows[0].Label]}).");
        output.WriteLine($"Wrote {csv}, {png}, histories, labels and {FashionMnist.ModelPath}.");
        if (settings.Onnx) output.WriteLine(FashionMnist.CompareOnnxScoring(mlContext, (TorchClassifierTransformer)best.Result.Model, pool));
        return 0;
    }

    private static List<StrategyRun> LabelInBrowser(MLContext mlContext, IDataView pool, IDataView test, FashionSettings settings, TextWriter output)
    {
        var strategy = settings.Strategies[0];
        string checkpoint = Path.Combine(settings.OutputDirectory, "checkpoint-" + strategy.Name);
        // The label is a key: class i (0-based) is key i + 1, which is what the loop is answered with.
        var classes = FashionMnist.ClassNames.Select((name, i) => new LabelClass((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), name));
        var browser = BrowserLabelling.Start($"Energizer.ML Fashion-MNIST ({strategy.Name})", classes, RowRenderer.PixelImage("Features", 28, 28), output);
        output.WriteLine($"You are the oracle ({strategy.Name}): click the class of each image, or press its key; Space skips, Backspace undoes. "
            + $"Every label is saved in {checkpoint}; run the same command again to continue.");
        try
        {
            var progress = browser.Progress(r => output.WriteLine($"{strategy.Name} {StrategyComparison.Describe(r, settings.Rounds)}"));
            return [new StrategyRun(strategy.Name, FashionMnist.RunActiveLearning(mlContext, pool, test, strategy, settings, progress, browser.Oracle, checkpoint))];
        }
        finally
        {
            browser.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Every strategy on seeds <see cref="FashionSettings.Seed"/> … + <see cref="FashionSettings.Seeds"/> − 1, then the table of means ± standard deviations over seeds.</summary>
    private static int CompareSeeds(IDataView pool, IDataView test, FashionSettings settings, TextWriter output)
    {
        var jobs = Enumerable.Range(settings.Seed, settings.Seeds).SelectMany(s => settings.Strategies.Select(c => (Strategy: c, Seed: s))).ToList();
        var results = StrategyComparison.RunJobs(jobs, j => $"{j.Strategy.Name} s{j.Seed}", settings.Rounds, output, (job, progress) =>
            FashionMnist.RunActiveLearning(new MLContext(job.Seed), pool, test, job.Strategy, settings with { Seed = job.Seed }, progress));
        var runs = jobs.Select((job, i) => new SeededStrategyRun(job.Strategy.Name, job.Seed, results[i])).ToList();
        string csv = SeedSummary.WriteCsv(runs, settings.OutputDirectory);
        StrategyComparison.CreateConsole(output).Write(SeedSummary.Table(runs,
            $"Fashion-MNIST over {settings.Seeds} seeds: {settings.InitialLabelled} initial labels ({settings.InitialStrategy}), {settings.Rounds} queries of {settings.QuerySize}, embedding {PoolEmbedding.Describe(settings.Embedding, settings.PcaRank)}"));
        output.WriteLine($"Wrote {csv}.");
        return 0;
    }
}
