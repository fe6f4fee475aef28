using BenchmarkDotNet.Attributes;
using Energizer.ML.Inference;
using Energizer.ML.Onnx;
using Energizer.ML.Torch;
using Microsoft.ML;

namespace Energizer.ML.Benchmarks;

/// <summary>
/// Pool scoring through <see cref="InferenceMode.Deterministic"/> (batches of 256): the same
/// trained MLP on TorchSharp (CPU) and exported to ONNX Runtime (CPU). Rows/s = Rows / mean time.
/// </summary>
[MemoryDiagnoser]
public class OnnxScoringBenchmark
{
    private const int BatchSize = 256;
    private DigitsBenchmarkData _data = null!;
    private TorchClassifierTransformer _torch = null!;
    private OnnxClassifier _onnx = null!;
    private BoundInference _torchBound = null!;
    private BoundInference _onnxBound = null!;

    /// <summary>Rows scored per invocation.</summary>
    public int Rows => _data.Count;

    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.EnsureLoaded();
        var mlContext = new MLContext(seed: 1);
        _data = new DigitsBenchmarkData(mlContext, copies: 10);
        _torch = new TorchClassifierTrainer(new TorchClassifierOptions
        {
            Network = Networks.Mlp([256, 128], 0.2),
            Epochs = 1,
            BatchSize = BatchSize,
        }).Fit(_data.Data);
        _onnx = OnnxClassifier.FromTorch(mlContext, _torch, new OnnxClassifierOptions { FeatureColumnName = _torch.FeatureColumnName, BatchSize = BatchSize, UseGpu = false });
        _torchBound = InferenceMode.Deterministic.Bind(_torch, _data.Data.Schema, null, false);
        _onnxBound = InferenceMode.Deterministic.Bind(_onnx, _data.Data.Schema, null, false);
        Console.WriteLine($"// ONNX scoring rows per invocation: {Rows}; ONNX Runtime on {_onnx.ExecutionProvider}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _onnx.Dispose();
        _torch.Dispose();
    }

    [Benchmark(Baseline = true, Description = "TorchSharp CPU pool scoring")]
    public float TorchSharp() => Score(_torchBound);

    [Benchmark(Description = "ONNX Runtime CPU pool scoring")]
    public float OnnxRuntime() => Score(_onnxBound);

    private float Score(BoundInference bound)
    {
        var prepared = bound.Prepare(_data.Data);
        using var cursor = prepared.GetRowCursor(bound.InputColumns(prepared.Schema));
        using var reader = bound.CreateReader(cursor);
        float sum = 0;
        while (reader.Next(BatchSize, () => { }) is { } batch) sum += batch.Probabilities[0, 0, 0];
        return sum;
    }
}
