using BenchmarkDotNet.Attributes;
using Energizer.ML.Torch;
using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Benchmarks;

/// <summary>One training epoch (MLP 64-256-128-10, Adam, batches of 64) through TorchClassifierTrainer vs a hand-written TorchSharp loop over tensors of the same rows.</summary>
[MemoryDiagnoser]
public class TrainingEpochBenchmark
{
    private const int BatchSize = 64;
    private static readonly Func<int, int, nn.Module<Tensor, Tensor>> Network = Networks.Mlp([256, 128], 0.2);
    private DigitsBenchmarkData _data = null!;
    private Tensor _features = null!;
    private Tensor _labels = null!;

    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.EnsureLoaded();
        _data = new DigitsBenchmarkData(new MLContext(seed: 1), copies: 5);
        _features = torch.tensor(_data.FlatFeatures, [_data.Count, DigitsBenchmarkData.Features]);
        _labels = torch.tensor(_data.Labels);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _features.Dispose();
        _labels.Dispose();
    }

    [Benchmark(Baseline = true, Description = "hand-written loop")]
    public float HandWritten()
    {
        torch.manual_seed(0);
        using var network = Network(DigitsBenchmarkData.Features, DigitsBenchmarkData.Classes);
        using var optimizer = optim.Adam(network.parameters(), 1e-3);
        network.train();
        using var order = torch.randperm(_data.Count);
        float last = 0;
        for (long start = 0; start < _data.Count; start += BatchSize)
        {
            using var scope = torch.NewDisposeScope();
            var index = order.narrow(0, start, Math.Min(BatchSize, _data.Count - start));
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(network.forward(_features.index_select(0, index)), _labels.index_select(0, index));
            loss.backward();
            optimizer.step();
            last = loss.item<float>();
        }
        return last;
    }

    [Benchmark(Description = "TorchClassifierTrainer")]
    public int Trainer()
    {
        using var model = new TorchClassifierTrainer(new TorchClassifierOptions
        {
            Network = Network,
            Epochs = 1,
            BatchSize = BatchSize,
        }).Fit(_data.Data);
        return model.ClassCount;
    }
}
