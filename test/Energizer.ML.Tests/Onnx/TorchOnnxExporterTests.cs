using Energizer.ML.Onnx;
using Energizer.ML.Torch;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Tests.Onnx;

[TestClass]
public sealed class TorchOnnxExporterTests
{
    private const int Rows = 17;

    [TestMethod]
    public void MlpOnOnnxRuntimeEqualsTorchSharpEval()
    {
        torch.manual_seed(1);
        using var network = Networks.Mlp([32, 16], 0.3)(12, 5);
        AssertSameAsTorch(network, 12);
    }

    [TestMethod]
    public void ConvNetOnOnnxRuntimeEqualsTorchSharpEval()
    {
        torch.manual_seed(2);
        using var network = Networks.ConvNet(1, 8, 8, 0.25)(64, 10);
        AssertSameAsTorch(network, 64);
    }

    [TestMethod]
    public void OtherLayersAndNestedSequentialsEqualTorchSharpEval()
    {
        torch.manual_seed(3);
        using var dense = nn.Sequential(
            ("fc", nn.Linear(10, 24)),
            ("bn", nn.BatchNorm1d(24)),
            ("block", nn.Sequential(("gelu", nn.GELU()), ("fc", nn.Linear(24, 24)), ("leaky", nn.LeakyReLU(0.2)))),
            ("norm", nn.LayerNorm(24)),
            ("tanh", nn.Tanh()),
            ("fc2", nn.Linear(24, 8, hasBias: false)),
            ("sigmoid", nn.Sigmoid()),
            ("identity", nn.Identity()),
            ("softmax", nn.Softmax(1)),
            ("output", nn.Linear(8, 4)));
        using var image = nn.Sequential(
            ("unflatten", nn.Unflatten(1, [2, 6, 6])),
            ("conv", nn.Conv2d(2, 4, 3, padding: Padding.Same)),
            ("bn", nn.BatchNorm2d(4)),
            ("gelu", nn.GELU(TorchSharp.Modules.GELU.Approximate.tanh)),
            ("pool", nn.AvgPool2d(2)),
            ("conv2", nn.Conv2d(4, 3, 2, stride: 1, padding: 1)),
            ("max", nn.MaxPool2d(2, stride: 2)),
            ("flatten", nn.Flatten()),
            ("logsoftmax", nn.LogSoftmax(1)),
            ("output", nn.Linear(12, 3)));
        // Running statistics away from their initial 0 and 1, so eval-form batch norm is tested.
        foreach (var (network, width) in new[] { (dense, 10), (image, 72) })
        {
            network.train();
            using (no_grad())
            {
                for (int i = 0; i < 5; i++) network.call(randn(32, width) * 2 + 1).Dispose();
            }
            AssertSameAsTorch(network, width);
        }
    }

    [TestMethod]
    public void UnsupportedLayerIsNamedWithItsType()
    {
        using var network = nn.Sequential(("fc", nn.Linear(4, 8)), ("block", nn.Sequential(("act", nn.ELU()))), ("output", nn.Linear(8, 2)));
        var error = Assert.Throws<NotSupportedException>(() => TorchOnnxExporter.Export(network, 4));
        StringAssert.Contains(error.Message, "'block.act' (ELU)");
        StringAssert.Contains(error.Message, "Supported layers");
    }

    [TestMethod]
    public void McDropoutThroughOnnxVariesAndItsMeanMatchesTorchSharps()
    {
        const int passes = 300, rows = 4, width = 6;
        torch.manual_seed(4);
        using var network = Networks.Mlp([64], 0.5)(width, 3);
        using var so = new SessionOptions();
        so.AddSessionConfigEntry("optimization.disable_specified_optimizers", "EliminateDropout");
        using var session = new InferenceSession(TorchOnnxExporter.Export(network, width), so);
        var x = OnnxRun.RandomFeatures(rows, width, seed: 5);

        var first = OnnxRun.Probabilities(session, x, rows, trainingMode: true);
        var second = OnnxRun.Probabilities(session, x, rows, trainingMode: true);
        Assert.IsFalse(first.SequenceEqual(second), "training_mode = true must draw fresh dropout masks");
        OnnxRun.AssertClose(OnnxRun.TorchProbabilities(network, x, rows), OnnxRun.Probabilities(session, x, rows, trainingMode: false), 1e-5, "training_mode = false is eval");

        var onnxMean = new double[rows * 3];
        for (int t = 0; t < passes; t++)
        {
            var p = OnnxRun.Probabilities(session, x, rows, trainingMode: true);
            for (int i = 0; i < p.Length; i++) onnxMean[i] += p[i] / passes;
        }
        var torchMean = new double[rows * 3];
        torch.manual_seed(6);
        using (no_grad())
        {
            network.train();
            var input = tensor(x, [rows, width]);
            for (int t = 0; t < passes; t++)
            {
                using var scope = NewDisposeScope();
                var p = nn.functional.softmax(network.call(input), 1).data<float>().ToArray();
                for (int i = 0; i < p.Length; i++) torchMean[i] += p[i] / passes;
            }
            network.eval();
        }
        // Both means estimate the same expectation; with 300 passes their gap is a few hundredths at most.
        double gap = onnxMean.Zip(torchMean).Max(p => Math.Abs(p.First - p.Second));
        Assert.IsLessThan(0.05, gap, $"MC means differ by {gap}");
    }

    private static void AssertSameAsTorch(nn.Module<Tensor, Tensor> network, int width)
    {
        var x = OnnxRun.RandomFeatures(Rows, width, seed: width);
        using var session = new InferenceSession(TorchOnnxExporter.Export(network, width));
        bool? trainingMode = session.InputMetadata.ContainsKey(TorchOnnxExporter.DefaultTrainingModeName) ? false : null;
        OnnxRun.AssertClose(OnnxRun.TorchProbabilities(network, x, Rows), OnnxRun.Probabilities(session, x, Rows, trainingMode), 1e-5, network.GetType().Name);

        // The embedding output is what enters the last layer, in eval mode.
        var sequential = (TorchSharp.Modules.Sequential)network;
        float[] expected;
        using (NewDisposeScope())
        using (no_grad())
        {
            var h = tensor(x, [Rows, width]);
            for (int i = 0; i < sequential.Count - 1; i++) h = ((nn.Module<Tensor, Tensor>)sequential[i]).call(h);
            Assert.AreEqual(2L, h.dim());
            expected = h.data<float>().ToArray();
        }
        OnnxRun.AssertClose(expected, OnnxRun.Output(session, TorchOnnxExporter.DefaultEmbeddingName, x, Rows, trainingMode), 1e-5, "embedding");
    }
}
