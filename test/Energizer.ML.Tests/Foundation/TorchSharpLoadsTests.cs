using Energizer.ML.Torch;
using TorchSharp;

namespace Energizer.ML.Tests.Foundation;

[TestClass]
public sealed class TorchSharpLoadsTests
{
    [TestMethod]
    public void MatrixProductInTheTestProcessGivesHandComputedNumbers()
    {
        TorchRuntime.EnsureLoaded();
        // [[1,2],[3,4]] x [[5,6],[7,8]] = [[1*5+2*7, 1*6+2*8], [3*5+4*7, 3*6+4*8]] = [[19,22],[43,50]]
        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        using var b = torch.tensor(new float[] { 5, 6, 7, 8 }, 2, 2);
        using var product = a.matmul(b);
        CollectionAssert.AreEqual(new float[] { 19, 22, 43, 50 }, product.data<float>().ToArray());
    }

    [TestMethod]
    public void SoftmaxOfEqualLogitsIsUniform()
    {
        TorchRuntime.EnsureLoaded();
        using var logits = torch.zeros(1, 4);
        using var p = torch.nn.functional.softmax(logits, 1);
        foreach (float v in p.data<float>().ToArray()) Assert.AreEqual(0.25f, v, 1e-7f);
    }

    [TestMethod]
    public void LoadingSwitchesNnpackOffSoLibTorchNeverPrintsItsWarning()
    {
        // LibTorch probes NNPACK (and prints "Could not initialize NNPACK! Reason: Unsupported
        // hardware" on CPUs without it) only when its user switch is on; the library turns it off.
        TorchRuntime.EnsureLoaded();
        Assert.IsFalse(LibTorchNnpack.IsEnabled() ?? true, "the switch is found in libtorch_cpu and off");
        // A small-batch eval convolution, the case that probed NNPACK, still computes: a 1×1 kernel of 2 doubles its input.
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var conv = torch.nn.Conv2d(1, 1, 1, bias: false);
        conv.weight!.fill_(2);
        var y = conv.call(torch.ones(2, 1, 3, 3));
        CollectionAssert.AreEqual(Enumerable.Repeat(2f, 18).ToArray(), y.data<float>().ToArray());
    }
}
