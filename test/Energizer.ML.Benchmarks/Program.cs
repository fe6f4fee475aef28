using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Energizer.ML.Torch;
using TorchSharp;

TorchRuntime.EnsureLoaded();
// "--threads N" (before the mode) fixes LibTorch's intra-op threads, e.g. 1 when other work shares the cores.
if (args is ["--threads", var threadCount, ..])
{
    torch.set_num_threads(int.Parse(threadCount, System.Globalization.CultureInfo.InvariantCulture));
    args = args[2..];
}
Console.WriteLine($"TorchSharp threads: {torch.get_num_threads()}, processors: {Environment.ProcessorCount}");
// In process: a separate benchmark process would copy LibTorch's ~0.5 GB again per run.
// "--job short" on the command line picks BenchmarkDotNet's short run; the default is a few iterations.
// Issue 4 and 5 figures, one command each (see RESULTS.md); stopwatch medians of interleaved rounds.
switch (args)
{
    case ["--mc-dropout"]: Energizer.ML.Benchmarks.Issues.McDropoutSpeed.Run(); return;
    case ["--strategies"]: Energizer.ML.Benchmarks.Issues.StrategyCost.Run(); return;
    case ["--scorer"]: Energizer.ML.Benchmarks.Issues.ScorerThroughput.Run(); return;
    case ["--memory"]: Energizer.ML.Benchmarks.Issues.PeakMemory.Run(); return;
    case ["--memory-child", var model, var file]: Energizer.ML.Benchmarks.Issues.PeakMemory.Child(model, file); return;
    case ["--partitions"]: Energizer.ML.Benchmarks.Issues.PartitionedScoring.Run(); return;
    case ["--partitions-child", var threads]: Energizer.ML.Benchmarks.Issues.PartitionedScoring.Child(int.Parse(threads, System.Globalization.CultureInfo.InvariantCulture)); return;
    case ["--small-pool"]: Energizer.ML.Benchmarks.Issues.SmallPoolMcDropout.Run(); return;
    case ["--sparse"]: SparseRates(); return;
    case ["--sparse-training"]: Energizer.ML.Benchmarks.Issues.SparseTrainingStep.Run(); return;
    case ["--digits-protocol"]: Energizer.ML.Benchmarks.Issues.DigitsProtocol.Run(); return;
    case ["--engines"]: Energizer.ML.Benchmarks.Issues.EngineSpeed.Run(); return;
    case ["--scale-out", .. var scaleOut]: await Energizer.ML.Benchmarks.Issues.ScaleOut.RunAsync(scaleOut); return;
}

static void SparseRates()
{
    // Rows per second of TorchClassifier on sparse text-like rows vs the same rows stored dense.
    var sparse = new Energizer.ML.Benchmarks.SparseFeaturesBenchmark();
    sparse.Setup();
    var rates = new Dictionary<string, double>();
    foreach (var (name, run) in new (string, Func<float>)[]
    {
        ("train epoch, dense 5000 slots", () => sparse.TrainDense()),
        ("train epoch, sparse 5000 slots", () => sparse.TrainSparse()),
        ("train epoch, dense 60 slots", () => sparse.TrainNarrow()),
        ("score, dense 5000 slots", sparse.ScoreDense),
        ("score, sparse 5000 slots", sparse.ScoreSparse),
        ("score, dense 60 slots", sparse.ScoreNarrow),
        ("MC-Dropout, dense 5000 slots", sparse.McDropoutDense),
        ("MC-Dropout, sparse 5000 slots", sparse.McDropoutSparse),
        ("MC-Dropout, dense 60 slots", sparse.McDropoutNarrow),
    })
    {
        rates[name] = Energizer.ML.Benchmarks.SparseFeaturesBenchmark.RowCount / (Measure(name, run, repeats: 5) / 1000);
        Console.WriteLine($"  {rates[name]:F0} rows/s");
    }
    Console.WriteLine($"sparse / dense (same non-zeros, 5000 slots): training {rates["train epoch, sparse 5000 slots"] / rates["train epoch, dense 5000 slots"]:F2}x, "
        + $"scoring {rates["score, sparse 5000 slots"] / rates["score, dense 5000 slots"]:F2}x, "
        + $"MC-Dropout scoring {rates["MC-Dropout, sparse 5000 slots"] / rates["MC-Dropout, dense 5000 slots"]:F2}x");
    Console.WriteLine($"sparse 5000 slots / dense 60 slots (same non-zero count): training {rates["train epoch, sparse 5000 slots"] / rates["train epoch, dense 60 slots"]:F2}x, "
        + $"scoring {rates["score, sparse 5000 slots"] / rates["score, dense 60 slots"]:F2}x, "
        + $"MC-Dropout scoring {rates["MC-Dropout, sparse 5000 slots"] / rates["MC-Dropout, dense 60 slots"]:F2}x");
    sparse.Cleanup();
}
if (args is ["--quick"])
{
    // Stopwatch medians of the same benchmarks, for a fast look without BenchmarkDotNet.
    var inference = new Energizer.ML.Benchmarks.InferenceBenchmark();
    inference.Setup();
    Measure("inference hand-written", () => inference.HandWritten());
    Measure("inference transformer", () => inference.Transformer());
    Measure("inference read features only", () => inference.ReadFeaturesOnly());
    var training = new Energizer.ML.Benchmarks.TrainingEpochBenchmark();
    training.Setup();
    Measure("training epoch hand-written", () => training.HandWritten());
    Measure("training epoch trainer", () => training.Trainer());
    training.Cleanup();
    inference.Cleanup();
    return;
}

if (args is ["--onnx"])
{
    // Pool scoring through ONNX Runtime CPU vs TorchSharp CPU, as a ratio of rows/s.
    var scoring = new Energizer.ML.Benchmarks.OnnxScoringBenchmark();
    scoring.Setup();
    double torchMs = Measure("pool scoring TorchSharp CPU", () => scoring.TorchSharp());
    double onnxMs = Measure("pool scoring ONNX Runtime CPU", () => scoring.OnnxRuntime());
    Console.WriteLine($"rows/s: TorchSharp {scoring.Rows / torchMs * 1000:F0}, ONNX Runtime {scoring.Rows / onnxMs * 1000:F0}; ONNX ÷ TorchSharp = {torchMs / onnxMs:F2}");
    scoring.Cleanup();
    return;
}

static double Measure(string name, Func<float> run, int repeats = 15)
{
    var times = new List<double>();
    for (int i = 0; i < repeats; i++)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        run();
        times.Add(clock.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    Console.WriteLine($"{name}: median {times[repeats / 2]:F1} ms (min {times[0]:F1})");
    return times[repeats / 2];
}

var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(2).WithIterationCount(5).WithLaunchCount(1))
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
BenchmarkSwitcher.FromAssembly(typeof(Energizer.ML.Benchmarks.InferenceBenchmark).Assembly).Run(args, config);
