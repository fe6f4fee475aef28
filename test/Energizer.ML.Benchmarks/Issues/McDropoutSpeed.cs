using Energizer.ML.Inference;
using Energizer.ML.Torch;
using Microsoft.ML;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Benchmarks.Issues;

/// <summary>
/// Issue 4: MC-Dropout T = 10, batches of 256: (a) a hand-written loop of T full passes with
/// functional.dropout(training: true), (b) TorchBoundInference with fresh masks (per row; prefix once,
/// T passes stacked in one batch), (c) the same with consistent masks. All three produce the
/// T×N×C probabilities as a float[].
/// </summary>
internal static class McDropoutSpeed
{
    private const int Iterations = 10;
    private const int BatchSize = 256;

    public static void Run()
    {
        Measure.Threads();
        CheckFreshMasks();
        var mlContext = new MLContext(seed: 1);
        var data = RandomPool.Create(mlContext, rows: 1024, features: 784, classes: 10, seed: 1);
        // Consistent masks on a network whose layer widths all differ (the masked-Linear chain compacts each one).
        var narrow = RandomPool.Create(mlContext, rows: 512, features: 20, classes: 5, seed: 2);
        using (var small = RandomPool.Train(narrow, Networks.Mlp([96, 48, 32], 0.3)))
        {
            var bound = (TorchBoundInference)InferenceMode.McDropout(7, consistent: true, seed: 5).Bind(small, narrow.Schema, null, false);
            using var x = torch.rand(33, 20);
            double diff = bound.Run(x).Probabilities.Zip(bound.RunNaive(x), (a, b) => Math.Abs(a - b)).Max();
            if (diff > 1e-5) throw new InvalidOperationException($"Consistent batched MC-Dropout on MLP 20-96-48-32-5 differs from RunNaive by {diff}.");
            Console.WriteLine($"  check: MLP 20-96-48-32-5, T = 7, consistent batched vs RunNaive max |diff| = {diff:G3}");
        }
        One(mlContext, data, "MLP 784-256-256-10, dropout 0.5", Networks.Mlp([256, 256], 0.5), batches: 8, rounds: 7);
        One(mlContext, data, "ConvNet(1, 28, 28, 0.5)", Networks.ConvNet(1, 28, 28, 0.5), batches: 2, rounds: 5);
    }

    /// <summary>Checks the managed fresh masks (keep rate, 1/keep values, every row's stream filled, reproducible from the seed) and times them against LibTorch's bernoulli_.</summary>
    private static void CheckFreshMasks()
    {
        var rows = Enumerable.Range(0, 1000).Select(i => new Microsoft.ML.Data.DataViewRowId((ulong)i, 0)).ToArray();
        Tensor Mask(int seed, int count, long units, double keep) => DropoutMasks.Fresh(seed, 0, 0, 1, rows, count, [units], keep, (float)(1 / keep), torch.CPU);
        using var a = Mask(11, 1000, 1000, 0.7);
        using var b = Mask(11, 1000, 1000, 0.7);
        using var c = Mask(12, 1000, 1000, 0.7);
        var values = a.data<float>().ToArray();
        double tail = values.AsSpan(900_000).ToArray().Count(v => v != 0) / 100_000.0;
        double all = values.Count(v => v != 0) / 1e6;
        bool onlyTwo = values.All(v => v == 0 || v == (float)(1 / 0.7));
        if (Math.Abs(all - 0.7) > 0.003 || Math.Abs(tail - 0.7) > 0.01 || !onlyTwo || !a.eq(b).all().item<bool>() || a.eq(c).all().item<bool>())
            throw new InvalidOperationException($"Fresh masks: keep {all} (tail {tail}), values 0 or 1/keep: {onlyTwo}.");
        Measure.Interleaved(5,
            ("  mask [2560, 256] x10: managed per-row masks", () => { for (int i = 0; i < 10; i++) DropoutMasks.Fresh(1, 0, 0, 10, rows, 256, [256], 0.5, 2, torch.CPU).Dispose(); }
        ),
            ("  mask [2560, 256] x10: LibTorch bernoulli_", () => { for (int i = 0; i < 10; i++) torch.empty(2560, 256).bernoulli_(0.5).Dispose(); }
        ));
        Console.WriteLine($"  check: fresh masks keep rate {all:F4} (asked 0.7), last 10% {tail:F4}, reproducible from the seed");
    }

    private static void One(MLContext mlContext, IDataView data, string name, Func<int, int, nn.Module<Tensor, Tensor>> network, int batches, int rounds)
    {
        Console.WriteLine($"MC-Dropout T = {Iterations}, {name}, {batches} batches of {BatchSize}:");
        using var model = RandomPool.Train(data, network);
        var fresh = (TorchBoundInference)InferenceMode.McDropout(Iterations, consistent: false).Bind(model, data.Schema, null, false);
        var consistent = (TorchBoundInference)InferenceMode.McDropout(Iterations, consistent: true, seed: 7).Bind(model, data.Schema, null, false);
        var sequential = (Sequential)model.Network;
        var layers = Enumerable.Range(0, sequential.Count)
            .Select(i => (Module: (nn.Module<Tensor, Tensor>)sequential[i], Rate: sequential[i] is TorchSharp.Modules.Dropout d ? d.p : (double?)null))
            .ToList();
        torch.manual_seed(3);
        var inputs = Enumerable.Range(0, batches).Select(_ => torch.rand(BatchSize, model.FeatureCount)).ToList();

        // The batched paths must agree with the reference loop (consistent masks) and give T×N×C values.
        float[] batched = consistent.Run(inputs[0]).Probabilities, reference = consistent.RunNaive(inputs[0]);
        double maxDiff = batched.Zip(reference, (a, b) => Math.Abs(a - b)).Max();
        if (maxDiff > 1e-5) throw new InvalidOperationException($"Consistent batched MC-Dropout differs from RunNaive by {maxDiff}.");
        int expected = Iterations * BatchSize * model.ClassCount;
        if (fresh.Run(inputs[0]).Probabilities.Length != expected || Naive(layers, inputs[0]).Length != expected)
            throw new InvalidOperationException("Unexpected probability count.");
        Console.WriteLine($"  check: consistent batched vs RunNaive max |diff| = {maxDiff:G3}");

        float sink = 0;
        var ms = Measure.Interleaved(rounds,
            ("(a) naive T passes, functional.dropout", () => { foreach (var x in inputs) sink += Naive(layers, x)[0]; }
        ),
            ("(b) batched + prefix, fresh masks", () => { foreach (var x in inputs) sink += fresh.Run(x).Probabilities[0]; }
        ),
            ("(c) batched + prefix, consistent masks", () => { foreach (var x in inputs) sink += consistent.Run(x).Probabilities[0]; }
        ));
        int rows = batches * BatchSize;
        Console.WriteLine($"  rows/s: (a) {rows / ms[0] * 1000:F0}, (b) {rows / ms[1] * 1000:F0}, (c) {rows / ms[2] * 1000:F0}");
        Console.WriteLine($"  RATIO (b)/(a) = {ms[0] / ms[1]:F2}x (target >= 3), (c)/(a) = {ms[0] / ms[2]:F2}x (target >= 8)   [torch threads {torch.get_num_threads()}]");
        foreach (var x in inputs) x.Dispose();
        GC.KeepAlive(sink);
    }

    /// <summary>What a user would write: T passes through every layer, dropout layers replaced by functional.dropout(training: true).</summary>
    private static float[] Naive(List<(nn.Module<Tensor, Tensor> Module, double? Rate)> layers, Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var passes = new Tensor[Iterations];
        for (int t = 0; t < Iterations; t++)
        {
            var z = x;
            foreach (var (module, rate) in layers) z = rate is { } p ? nn.functional.dropout(z, p, training: true) : module.call(z);
            passes[t] = z;
        }
        return nn.functional.softmax(torch.cat(passes, 0), 1).data<float>().ToArray();
    }
}
