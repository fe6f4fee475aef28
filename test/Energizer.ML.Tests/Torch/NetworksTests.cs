using Energizer.ML.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Tests.Torch;

[TestClass]
public sealed class NetworksTests
{
    [TestMethod]
    public void MlpIsASequenceWithSeparateDropoutsEndingInTheLogitsLinear()
    {
        TorchRuntime.EnsureLoaded();
        using var network = (Sequential)Networks.Mlp([32, 16], 0.5)(64, 10);
        var names = network.named_children().Select(c => c.name).ToArray();
        CollectionAssert.AreEqual(new[] { "fc1", "relu1", "dropout1", "fc2", "relu2", "dropout2", "output" }, names);
        Assert.IsInstanceOfType<Linear>(network.named_children().Last().module);
        Assert.AreEqual(2, network.named_children().Count(c => c.module is Dropout));
        using var noDropout = (Sequential)Networks.Mlp([32], 0)(64, 10);
        Assert.IsFalse(noDropout.named_children().Any(c => c.module is Dropout));
    }

    [TestMethod]
    [DataRow(8, 8)]
    [DataRow(28, 28)]
    public void ConvNetMapsImagesToLogitsAndSplitsAtItsFirstDropout(int height, int width)
    {
        TorchRuntime.EnsureLoaded();
        using var network = (Sequential)Networks.ConvNet(1, height, width, 0.25)(height * width, 10);
        Assert.IsInstanceOfType<Linear>(network.named_children().Last().module);
        int firstDropout = network.named_children().ToList().FindIndex(c => c.module is Dropout);
        Assert.AreEqual("dropout1", network.named_children().ElementAt(firstDropout).name);
        using var scope = torch.NewDisposeScope();
        network.eval();
        var input = torch.rand(3, height * width);
        var logits = network.forward(input);
        CollectionAssert.AreEqual(new long[] { 3, 10 }, logits.shape);
        // Prefix up to the first dropout, then the rest, equals the whole network (eval mode).
        var prefix = network[..firstDropout].forward(input);
        var rest = network[firstDropout..].forward(prefix);
        Assert.IsTrue(rest.allclose(logits));
        // The penultimate embedding is everything but the last Linear.
        Assert.AreEqual(128, network[..^1].forward(input).shape[1]);
    }

    [TestMethod]
    public void ConvNetNamesAFeatureCountThatIsNotItsImageSize()
    {
        TorchRuntime.EnsureLoaded();
        var error = Assert.ThrowsExactly<ArgumentException>(() => Networks.ConvNet(1, 8, 8, 0.25)(60, 10));
        StringAssert.Contains(error.Message, "64 features");
    }

    [TestMethod]
    public void BuiltInNetworksDescribeThemselvesForLoading()
    {
        var mlp = Networks.Mlp([256, 128], 0.2);
        Assert.AreEqual("Mlp hidden=256,128 dropout=0.2", BuiltInNetwork.Describe(mlp));
        Assert.AreEqual("ConvNet channels=1 height=28 width=28 dropout=0.5", BuiltInNetwork.Describe(BuiltInNetwork.Parse("ConvNet channels=1 height=28 width=28 dropout=0.5")));
        Assert.IsNull(BuiltInNetwork.Describe((f, c) => nn.Linear(f, c)));
    }
}
