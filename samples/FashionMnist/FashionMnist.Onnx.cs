using System.Diagnostics;
using System.Globalization;
using Energizer.ML;
using Energizer.ML.Acquisition;
using Energizer.ML.Onnx;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace FashionMnistSample;

/// <summary>Pool scoring through ONNX Runtime (CUDA where a GPU exists) next to TorchSharp.</summary>
public static partial class FashionMnist
{
    /// <summary>
    /// Scores the pool by entropy twice, with the TorchSharp model and with its ONNX export on ONNX
    /// Runtime (CUDA when the machine has a GPU, else CPU), and says how fast each was and how far
    /// apart their scores are.
    /// </summary>
    public static string CompareOnnxScoring(MLContext mlContext, TorchClassifierTransformer model, IDataView pool)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var onnx = OnnxClassifier.FromTorch(mlContext, model, new OnnxClassifierOptions { UseGpu = true });
        var (torchScores, torchSeconds) = Score(mlContext, model, pool);
        var (onnxScores, onnxSeconds) = Score(mlContext, onnx, pool);
        double maxDifference = torchScores.Zip(onnxScores, (a, b) => Math.Abs(a - b)).Max();
        return string.Create(CultureInfo.InvariantCulture,
            $"Pool scoring (entropy, {torchScores.Length} images): TorchSharp CPU {torchScores.Length / torchSeconds:F0} rows/s, ONNX Runtime {onnx.ExecutionProvider} {onnxScores.Length / onnxSeconds:F0} rows/s ({torchSeconds / onnxSeconds:F2}x); max |score difference| {maxDifference:G3}.");
    }

    private static (float[] Scores, double Seconds) Score(MLContext mlContext, ITransformer learner, IDataView pool)
    {
        var scorer = mlContext.ActiveLearning().ScoreAcquisition(learner, AcquisitionStrategy.Entropy, batchSize: 512).Fit(pool);
        var clock = Stopwatch.StartNew();
        var scores = scorer.Transform(pool).GetColumn<float>("Acquisition").ToArray();
        return (scores, clock.Elapsed.TotalSeconds);
    }
}
