using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Energizer.ML.Torch;
using TorchSharp;

TorchRuntime.EnsureLoaded();
Console.WriteLine($"TorchSharp threads: {torch.get_num_threads()}, processors: {Environment.ProcessorCount}");
// In process: a separate benchmark process would copy LibTorch's ~0.5 GB again per run.
// "--job short" on the command line picks BenchmarkDotNet's short run; the default is a few iterations.
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

static double Measure(string name, Func<float> run)
{
    var times = new List<double>();
    for (int i = 0; i < 15; i++)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        run();
        times.Add(clock.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    Console.WriteLine($"{name}: median {times[7]:F1} ms (min {times[0]:F1})");
    return times[7];
}

var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(2).WithIterationCount(5).WithLaunchCount(1))
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
