using BenchmarkDotNet.Attributes;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Benchmarks;

/// <summary>Batched inference (batches of 256) over the same rows: reading Score through TorchClassifierTransformer vs a hand-written batched forward + softmax into a float[].</summary>
[MemoryDiagnoser]
public class InferenceBenchmark
{
    private const int BatchSize = 256;
    private DigitsBenchmarkData _data = null!;
    private TorchClassifierTransformer _model = null!;
    private Tensor _features = null!;
    private float[] _probabilities = null!;

    /// <summary>Rows scored per invocation; rows/s = Rows / mean time.</summary>
    public int Rows => _data.Count;

    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.EnsureLoaded();
        _data = new DigitsBenchmarkData(new MLContext(seed: 1), copies: 10);
        _model = new TorchClassifierTrainer(new TorchClassifierOptions
        {
            Network = Networks.Mlp([256, 128], 0.2),
            Epochs = 1,
            BatchSize = BatchSize,
        }).Fit(_data.Data);
        _features = torch.tensor(_data.FlatFeatures, [_data.Count, DigitsBenchmarkData.Features]);
        _probabilities = new float[BatchSize * DigitsBenchmarkData.Classes];
        Console.WriteLine($"// inference rows per invocation: {Rows}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _model.Dispose();
        _features.Dispose();
    }

    [Benchmark(Baseline = true, Description = "hand-written batched forward")]
    public float HandWritten()
    {
        using var noGrad = torch.no_grad();
        _model.Network.eval();
        float sum = 0;
        for (long start = 0; start < _data.Count; start += BatchSize)
        {
            using var scope = torch.NewDisposeScope();
            var batch = _features.narrow(0, start, Math.Min(BatchSize, _data.Count - start));
            var probabilities = nn.functional.softmax(_model.Network.forward(batch), 1);
            probabilities.data<float>().CopyTo(_probabilities);
            sum += _probabilities[0];
        }
        return sum;
    }

    /// <summary>Only the feature reading the transformer does, for locating its cost.</summary>
    public float ReadFeaturesOnly()
    {
        using var cursor = _data.Data.GetRowCursor([_data.Data.Schema["Features"]]);
        var reader = new FeatureBatchReader(cursor, "Features", BatchSize);
        float sum = 0;
        while (reader.ReadBatch()) sum += reader.Features[0];
        return sum;
    }

    [Benchmark(Description = "TorchClassifierTransformer")]
    public float Transformer()
    {
        var scored = _model.Transform(_data.Data);
        using var cursor = scored.GetRowCursor([scored.Schema["Score"]]);
        var getter = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
        VBuffer<float> score = default;
        float sum = 0;
        while (cursor.MoveNext())
        {
            getter(ref score);
            sum += score.GetValues()[0];
        }
        return sum;
    }
}
