using CsCheck;
using Energizer.ML.Torch.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Tests.Torch;

/// <summary>
/// OwnedAdam's lazy column update (SparseUpdate.Lazy): a hand-worked three-column example, then
/// properties over random shapes, gradients and touch patterns.
/// </summary>
[TestClass]
public sealed class LazyAdamTests
{
    private const double Beta1 = 0.9, Beta2 = 0.99, Epsilon = 1e-8;

    private static float[] Values(Tensor t) => t.detach().data<float>().ToArray();

    /// <summary>One lazy step: the named columns of <paramref name="theta"/> get <paramref name="gradient"/> ([k, out], row j for columns[j]).</summary>
    private static void LazyStep(OwnedAdam adam, Parameter theta, long[] columns, float[] gradient)
    {
        using var scope = torch.NewDisposeScope();
        var index = torch.tensor(columns);
        using var noGrad = torch.no_grad();
        var values = theta.index_select(1, index).t().contiguous();
        adam.Step(new ColumnGradient(theta, index, columns, columns.Length, values, torch.tensor(gradient, columns.Length, theta.shape[0])));
    }

    /// <summary>One dense step whose gradient is <paramref name="gradient"/> (the gradient of sum(θ ⊙ G)).</summary>
    private static void DenseStep(OwnedAdam adam, Parameter theta, float[] gradient)
    {
        using var scope = torch.NewDisposeScope();
        adam.ZeroGrad();
        theta.mul(torch.tensor(gradient, theta.shape)).sum().backward();
        adam.Step();
    }

    [TestMethod]
    public void ThreeColumnsTwoStepsByHand()
    {
        // θ = (1, −2, 0.5) as a [1, 3] weight; AdamW, lr 0.1, λ 0.5 (so 1 − lr·λ = 0.95), β₁ 0.9, β₂ 0.99.
        // Step 1 touches columns 0 and 2 with g = (1, −2); column 1 is not in the batch.
        //   Decay caught up over 1 step: θ₀ = 0.95, θ₂ = 0.475.
        //   m = 0.1g = (0.1, −0.2), v = 0.01g² = (0.01, 0.04); √v/√(1 − 0.99) = (1, 2); lr/(1 − 0.9) = 1;
        //   θ₀ = 0.95 − 0.1/1 = 0.85, θ₂ = 0.475 + 0.2/2 = 0.575; θ₁ = −2 untouched.
        // Step 2 touches columns 1 and 2 with g = (3, 1); column 0 is not in the batch.
        //   Decay: θ₁ last touched at step 0, so 0.95² = 0.9025 → −1.805; θ₂ at step 1: 0.95 → 0.54625.
        //   Bias corrections of step 2: 1 − 0.9² = 0.19, 1 − 0.99² = 0.0199; lr/0.19 = 0.526316.
        //   Column 1 (moments 0 until now): m = 0.3, v = 0.09, √(0.09/0.0199) = 2.126644;
        //     θ₁ = −1.805 − 0.526316·0.3/2.126644 = −1.879246.
        //   Column 2: m = 0.9·(−0.2) + 0.1·1 = −0.08, v = 0.99·0.04 + 0.01·1 = 0.0496,
        //     √(0.0496/0.0199) = 1.578753; θ₂ = 0.54625 + 0.526316·0.08/1.578753 = 0.572920.
        //   Column 0 keeps 0.85: lazily, its moments and weight wait for a step that touches it
        //   (dense AdamW would decay it and move it along m = 0.09: 0.740342).
        using var theta = new Parameter(torch.tensor(new float[] { 1f, -2f, 0.5f }, 1, 3));
        using var adam = new OwnedAdam([theta], 0.1, Beta1, Beta2, Epsilon, 0.5, decoupledWeightDecay: true);
        LazyStep(adam, theta, [0, 2], [1f, -2f]);
        var after1 = Values(theta);
        Assert.AreEqual(0.85f, after1[0], 1e-6f);
        Assert.AreEqual(-2f, after1[1]);
        Assert.AreEqual(0.575f, after1[2], 1e-6f);
        LazyStep(adam, theta, [1, 2], [3f, 1f]);
        var after2 = Values(theta);
        Assert.AreEqual(after1[0], after2[0], "column 0 was not in the batch");
        Assert.AreEqual(-1.879246f, after2[1], 1e-6f);
        Assert.AreEqual(0.572920f, after2[2], 1e-6f);
        Assert.AreEqual(2, adam.StepCount);

        using var dense = new Parameter(torch.tensor(new float[] { 1f, -2f, 0.5f }, 1, 3));
        using var denseAdam = new OwnedAdam([dense], 0.1, Beta1, Beta2, Epsilon, 0.5, decoupledWeightDecay: true);
        DenseStep(denseAdam, dense, [1f, 0f, -2f]);
        DenseStep(denseAdam, dense, [0f, 3f, 1f]);
        Assert.AreEqual(0.740342f, Values(dense)[0], 1e-6f, "dense AdamW moves the untouched column");
    }

    [TestMethod]
    public void L2DecayIsAddedToTheTouchedColumnsGradientOnly()
    {
        // Adam with L2 λ 0.5, lr 0.1: θ = (1, −2, 0.5); one step touching column 1 with g = 1.
        // Its gradient becomes 1 + 0.5·(−2) = 0: m = v = 0, so θ₁ stays −2 (the step is 0/(0 + ε)).
        // Columns 0 and 2 are not touched: their L2 terms (0.5, 0.25) are not applied.
        // A second step touching column 0 with g = 1: g + λθ₀ = 1.5, m = 0.15, v = 0.0225;
        //   lr/(1 − 0.81) · 0.15/(√(0.0225/0.0199)) = 0.526316·0.15/1.063314 = 0.074246 → θ₀ = 0.925754.
        using var theta = new Parameter(torch.tensor(new float[] { 1f, -2f, 0.5f }, 1, 3));
        using var adam = new OwnedAdam([theta], 0.1, Beta1, Beta2, Epsilon, 0.5, decoupledWeightDecay: false);
        LazyStep(adam, theta, [1], [1f]);
        CollectionAssert.AreEqual(new[] { 1f, -2f, 0.5f }, Values(theta));
        LazyStep(adam, theta, [0], [1f]);
        var after = Values(theta);
        Assert.AreEqual(0.925754f, after[0], 1e-6f);
        Assert.AreEqual(-2f, after[1]);
        Assert.AreEqual(0.5f, after[2]);
    }

    [TestMethod]
    public void EqualsDenseAdamWhenEveryColumnIsTouchedEveryStep()
    {
        // Any shape, decay and gradients; each step names every column once, in a random order.
        var gen =
            from rows in Gen.Int[1, 4]
            from columns in Gen.Int[1, 6]
            from steps in Gen.Int[1, 5]
            from decay in Gen.Int[0, 2]
            from seed in Gen.Int
            select (rows, columns, steps, decay, seed);
        gen.Sample(t =>
        {
            var random = new Random(t.seed);
            float[] initial = [.. Enumerable.Range(0, t.rows * t.columns).Select(_ => (float)random.NextDouble() - 0.5f)];
            using var lazy = new Parameter(torch.tensor(initial, t.rows, t.columns));
            using var dense = new Parameter(torch.tensor(initial, t.rows, t.columns));
            double lambda = t.decay == 0 ? 0 : 0.3;
            using var lazyAdam = new OwnedAdam([lazy], 0.05, Beta1, Beta2, Epsilon, lambda, decoupledWeightDecay: t.decay == 2);
            using var denseAdam = new OwnedAdam([dense], 0.05, Beta1, Beta2, Epsilon, lambda, decoupledWeightDecay: t.decay == 2);
            for (int step = 0; step < t.steps; step++)
            {
                float[] gradient = [.. Enumerable.Range(0, t.rows * t.columns).Select(_ => (float)random.NextDouble() * 2 - 1)];
                long[] order = [.. Enumerable.Range(0, t.columns).Select(c => (long)c)];
                random.Shuffle(order);
                var permuted = new float[gradient.Length];
                for (int r = 0; r < t.rows; r++)
                {
                    for (int j = 0; j < t.columns; j++) permuted[(j * t.rows) + r] = gradient[(r * t.columns) + (int)order[j]];
                }
                LazyStep(lazyAdam, lazy, order, permuted);
                DenseStep(denseAdam, dense, gradient);
            }
            var a = Values(lazy);
            var b = Values(dense);
            for (int i = 0; i < a.Length; i++) Assert.AreEqual(b[i], a[i], 1e-6f, $"value {i}");
        }, iter: 60);
    }

    [TestMethod]
    public void UntouchedColumnsKeepTheirWeightsAndDecayIsCaughtUpOnTouch()
    {
        // Random touch patterns with zero gradients under AdamW: a step leaves the columns it does
        // not name bit for bit as they were, and a touched column's weight is θ₀·(1 − lr·λ)^t,
        // dense AdamW's pure decay (with g = 0 the moments stay 0 and the Adam step is 0).
        var gen =
            from columns in Gen.Int[1, 8]
            from steps in Gen.Int[1, 6]
            from touches in Gen.Bool.Array[columns * steps]
            from seed in Gen.Int
            select (columns, steps, touches, seed);
        gen.Sample(t =>
        {
            const double Lr = 0.1, Lambda = 0.5;
            var random = new Random(t.seed);
            float[] initial = [.. Enumerable.Range(0, 2 * t.columns).Select(_ => (float)random.NextDouble() + 0.5f)];
            using var theta = new Parameter(torch.tensor(initial, 2, t.columns));
            using var adam = new OwnedAdam([theta], Lr, Beta1, Beta2, Epsilon, Lambda, decoupledWeightDecay: true);
            for (int step = 1; step <= t.steps; step++)
            {
                long[] touched = [.. Enumerable.Range(0, t.columns).Where(c => t.touches[((step - 1) * t.columns) + c]).Select(c => (long)c)];
                var before = Values(theta);
                LazyStep(adam, theta, touched, new float[2 * touched.Length]);
                var after = Values(theta);
                for (int c = 0; c < t.columns; c++)
                {
                    for (int r = 0; r < 2; r++)
                    {
                        int i = (r * t.columns) + c;
                        if (touched.Contains(c)) Assert.AreEqual(initial[i] * Math.Pow(1 - (Lr * Lambda), step), after[i], 1e-6, $"step {step}, column {c}");
                        else Assert.AreEqual(before[i], after[i], $"step {step}, untouched column {c}");
                    }
                }
            }
        }, iter: 60);
    }

    [TestMethod]
    public void AParameterTakesColumnGradientsOrWholeGradientsNotBoth()
    {
        // The lazy moments are kept column-major apart from the dense ones: mixing would lose one set.
        using var theta = new Parameter(torch.tensor(new float[] { 1f, 2f }, 1, 2));
        using var adam = new OwnedAdam([theta], 0.1, Beta1, Beta2, Epsilon, 0, decoupledWeightDecay: false);
        LazyStep(adam, theta, [1], [1f]);
        var error = Assert.Throws<InvalidOperationException>(() => DenseStep(adam, theta, [1f, 1f]));
        Assert.AreEqual("Parameter 0 is updated by columns; it cannot also take a whole gradient.", error.Message);
    }

    [TestMethod]
    public void SgdRefusesAColumnGradient()
    {
        using var theta = new Parameter(torch.tensor(new float[] { 1f, 2f }, 1, 2));
        using var sgd = new OwnedSgd([theta], 0.1, 0.9, 0);
        Assert.IsFalse(sgd.UpdatesColumns);
        using var scope = torch.NewDisposeScope();
        var error = Assert.Throws<NotSupportedException>(() => sgd.Step(new ColumnGradient(theta, torch.tensor(new long[] { 0 }), [0], 1, torch.ones(1, 1), torch.ones(1, 1))));
        Assert.AreEqual("OwnedSgd has no column-wise (lazy) update.", error.Message);
    }
}
