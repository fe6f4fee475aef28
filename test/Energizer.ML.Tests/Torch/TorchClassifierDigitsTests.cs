using System.Diagnostics;
using Energizer.ML.Torch;
using Microsoft.ML;

namespace Energizer.ML.Tests.Torch;

[TestClass]
public sealed class TorchClassifierDigitsTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void MlpReaches95PercentOnHeldOutDigits() =>
        AssertAccuracy(Networks.Mlp([256, 128], 0.2), epochs: 30);

    [TestMethod]
    public void ConvNetReaches95PercentOnHeldOutDigits() =>
        AssertAccuracy(Networks.ConvNet(1, 8, 8, 0.25), epochs: 20);

    private void AssertAccuracy(Func<int, int, TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>> network, int epochs)
    {
        var mlContext = new MLContext(seed: 1);
        var (train, test) = DigitsData.Load(mlContext);
        var clock = Stopwatch.StartNew();
        using var model = mlContext.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = network,
            Epochs = epochs,
            BatchSize = 32,
            Seed = 7,
        }).Fit(train);
        var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(test));
        TestContext.WriteLine($"micro accuracy {metrics.MicroAccuracy:P2}, macro {metrics.MacroAccuracy:P2}, {clock.Elapsed.TotalSeconds:F1} s");
        Assert.IsGreaterThanOrEqualTo(0.95, metrics.MicroAccuracy);
        Assert.IsGreaterThanOrEqualTo(0.95, metrics.MacroAccuracy);
    }
}
