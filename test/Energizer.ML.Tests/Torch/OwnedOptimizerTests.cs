using Energizer.ML.Torch.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Tests.Torch;

/// <summary>
/// The optimisers that own their scalars (docs/design.md, "Owned scalars"): hand-worked steps on a
/// two-parameter problem, then the same trajectory as TorchSharp's own optimisers over 100 steps.
/// </summary>
[TestClass]
public sealed class OwnedOptimizerTests
{
    // Loss L(θ) = ½θ₀² + 3θ₁ from θ = (1, −2): ∇L = (θ₀, 3).
    private static Parameter Theta() => new(torch.tensor(new float[] { 1f, -2f }));

    private static void Backward(Parameter theta)
    {
        using var scope = torch.NewDisposeScope();
        (theta[0].square() * 0.5f + theta[1] * 3f).backward();
    }

    private static float[] Steps(OwnedOptimizer optimizer, Parameter theta, int steps)
    {
        for (int i = 0; i < steps; i++)
        {
            optimizer.ZeroGrad();
            Backward(theta);
            optimizer.Step();
        }
        return theta.detach().data<float>().ToArray();
    }

    [TestMethod]
    public void AdamTwoStepsByHand()
    {
        // lr 0.1, β₁ 0.9, β₂ 0.99, ε 1e-8, no decay.
        // Step 1: g = (1, 3); m = 0.1g = (0.1, 0.3); v = 0.01g² = (0.01, 0.09); 1−β₁ = 0.1, 1−β₂ = 0.01;
        //   √v/√0.01 = (1, 3); θ −= (0.1/0.1)·m/(1, 3) = (0.1, 0.1) → (0.9, −2.1).
        // Step 2: g = (0.9, 3); m = 0.9·(0.1, 0.3) + 0.1·(0.9, 3) = (0.18, 0.57);
        //   v = 0.99·(0.01, 0.09) + 0.01·(0.81, 9) = (0.018, 0.1791); 1−β₁² = 0.19, 1−β₂² = 0.0199;
        //   √(0.018/0.0199) = 0.951064, √(0.1791/0.0199) = 3; step 0.1/0.19 = 0.526316;
        //   θ₀ = 0.9 − 0.526316·0.18/0.951064 = 0.800389, θ₁ = −2.1 − 0.526316·0.57/3 = −2.2.
        using var theta = Theta();
        using var adam = new OwnedAdam([theta], 0.1, 0.9, 0.99, 1e-8, 0, decoupledWeightDecay: false);
        var after1 = Steps(adam, theta, 1);
        Assert.AreEqual(0.9f, after1[0], 1e-6f);
        Assert.AreEqual(-2.1f, after1[1], 1e-6f);
        var after2 = Steps(adam, theta, 1);
        Assert.AreEqual(0.800389f, after2[0], 1e-6f);
        Assert.AreEqual(-2.2f, after2[1], 1e-6f);
        Assert.AreEqual(2, adam.StepCount);
    }

    [TestMethod]
    public void AdamWDecaysTheWeightsBeforeTheAdamStep()
    {
        // lr 0.1, λ 0.5: θ ← (1 − 0.05)θ = (0.95, −1.9), then the first Adam step moves each
        // coordinate by lr against the sign of g = (1, 3) (taken before the decay): (0.85, −2.0).
        using var theta = Theta();
        using var adamW = new OwnedAdam([theta], 0.1, 0.9, 0.99, 1e-8, 0.5, decoupledWeightDecay: true);
        var after = Steps(adamW, theta, 1);
        Assert.AreEqual(0.85f, after[0], 1e-6f);
        Assert.AreEqual(-2.0f, after[1], 1e-6f);
    }

    [TestMethod]
    public void SgdWithMomentumAndWeightDecayTwoStepsByHand()
    {
        // lr 0.1, μ 0.9, λ 0.5.
        // Step 1: g = (1, 3) + 0.5·(1, −2) = (1.5, 2); b = g; θ = (1 − 0.15, −2 − 0.2) = (0.85, −2.2).
        // Step 2: g = (0.85, 3) + 0.5·(0.85, −2.2) = (1.275, 1.9); b = 0.9·(1.5, 2) + g = (2.625, 3.7);
        //   θ = (0.85 − 0.2625, −2.2 − 0.37) = (0.5875, −2.57).
        using var theta = Theta();
        using var sgd = new OwnedSgd([theta], 0.1, 0.9, 0.5);
        var after = Steps(sgd, theta, 2);
        Assert.AreEqual(0.5875f, after[0], 1e-6f);
        Assert.AreEqual(-2.57f, after[1], 1e-6f);
    }

    [TestMethod]
    [DataRow("Adam")]
    [DataRow("AdamW")]
    [DataRow("Sgd")]
    public void FollowsTorchSharpsOptimizerForAHundredSteps(string kind)
    {
        const double Lr = 0.01, Decay = 0.01;
        using var ours = MakeNetwork();
        using var theirs = MakeNetwork();
        using var owned = kind switch
        {
            "Adam" => (OwnedOptimizer)new OwnedAdam(ours.parameters(), Lr, 0.9, 0.99, 1e-8, Decay, decoupledWeightDecay: false),
            "AdamW" => new OwnedAdam(ours.parameters(), Lr, 0.9, 0.99, 1e-8, Decay, decoupledWeightDecay: true),
            _ => new OwnedSgd(ours.parameters(), Lr, 0.9, Decay),
        };
        using optim.Optimizer reference = kind switch
        {
            "Adam" => optim.Adam(theirs.parameters(), Lr, beta1: 0.9, beta2: 0.99, eps: 1e-8, weight_decay: Decay),
            "AdamW" => optim.AdamW(theirs.parameters(), Lr, beta1: 0.9, beta2: 0.99, eps: 1e-8, weight_decay: Decay),
            _ => optim.SGD(theirs.parameters(), Lr, momentum: 0.9, weight_decay: Decay),
        };
        var generator = new Random(5);
        for (int step = 0; step < 100; step++)
        {
            using var scope = torch.NewDisposeScope();
            var x = torch.tensor(Enumerable.Range(0, 16 * 6).Select(_ => (float)generator.NextDouble() - 0.5f).ToArray(), 16, 6);
            var y = torch.tensor(Enumerable.Range(0, 16).Select(_ => (long)generator.Next(3)).ToArray());
            owned.ZeroGrad();
            nn.functional.cross_entropy(ours.forward(x), y).backward();
            owned.Step();
            reference.zero_grad();
            nn.functional.cross_entropy(theirs.forward(x), y).backward();
            reference.step();
        }
        var a = ours.parameters().ToArray();
        var b = theirs.parameters().ToArray();
        double largest = 0, moved = 0;
        using var initial = MakeNetwork();
        var start = initial.parameters().ToArray();
        for (int i = 0; i < a.Length; i++)
        {
            largest = Math.Max(largest, (a[i] - b[i]).abs().max().item<float>());
            moved = Math.Max(moved, (a[i] - start[i]).abs().max().item<float>());
        }
        Assert.IsTrue(largest <= 1e-6, $"{kind}: largest difference to TorchSharp's optimizer after 100 steps {largest:E3}");
        Assert.IsTrue(moved > 1e-2, $"{kind}: the weights must move (largest change {moved:E3})");
    }

    private static Sequential MakeNetwork()
    {
        torch.manual_seed(11);
        return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3));
    }
}
