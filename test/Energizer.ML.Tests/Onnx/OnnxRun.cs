using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using DenseBoolTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<bool>;
using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Tests.Onnx;

/// <summary>Runs exported models on ONNX Runtime (CPU) and networks on TorchSharp, for comparisons.</summary>
internal static class OnnxRun
{
    public static float[] Probabilities(InferenceSession session, float[] features, int rows, bool? trainingMode = null) =>
        Output(session, "probabilities", features, rows, trainingMode);

    public static float[] Output(InferenceSession session, string output, float[] features, int rows, bool? trainingMode = null)
    {
        int width = features.Length / rows;
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("features", new DenseTensor(features, [rows, width])),
        };
        if (trainingMode is { } mode)
            inputs.Add(NamedOnnxValue.CreateFromTensor("training_mode", new DenseBoolTensor(new[] { mode }, ReadOnlySpan<int>.Empty)));
        using var results = session.Run(inputs);
        return [.. results.Single(r => r.Name == output).AsEnumerable<float>()];
    }

    public static float[] TorchProbabilities(nn.Module<Tensor, Tensor> network, float[] features, int rows)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        network.eval();
        var x = tensor(features, [rows, features.Length / rows]);
        return nn.functional.softmax(network.call(x), 1).data<float>().ToArray();
    }

    public static float[] RandomFeatures(int rows, int width, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, rows * width).Select(_ => (float)(random.NextDouble() * 2 - 1))];
    }

    public static void AssertClose(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        double worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.IsLessThanOrEqualTo(tolerance, worst, $"{what}: largest difference {worst}");
    }
}
