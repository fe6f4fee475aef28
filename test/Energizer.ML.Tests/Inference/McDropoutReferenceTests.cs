using Energizer.ML.Inference;
using Energizer.ML.Tests.Torch;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Tests.Inference;

/// <summary>
/// MC-Dropout checked against plain TorchSharp on a hand-assembled network whose dropout positions
/// the test states, so a mistake in the library's finding of dropout layers (or in its batched,
/// prefix-cached and masked-Linear paths) shows as a difference: the reference applies the
/// library's masks (<see cref="DropoutMasks"/>) where the test says the dropouts are.
/// </summary>
[TestClass]
public sealed class McDropoutReferenceTests
{
    private const int Passes = 3;
    private const int Rows = 5;

    /// <summary>fc1 (4→6), ReLU, Dropout(0.5), fc2 (6→5), Dropout(0.3), output (5→3): the dropouts are children 2 and 4.</summary>
    private sealed class Layers
    {
        public Linear Fc1 { get; } = nn.Linear(4, 6);

        public Linear Fc2 { get; } = nn.Linear(6, 5);

        public Linear Output { get; } = nn.Linear(5, 3);

        public Sequential Sequential() =>
            nn.Sequential(("fc1", Fc1), ("relu", nn.ReLU()), ("drop1", nn.Dropout(0.5)), ("fc2", Fc2), ("drop2", nn.Dropout(0.3)), ("output", Output));

        /// <summary>
        /// T passes of plain TorchSharp: softmax(output(m₂ ⊙ fc2(m₁ ⊙ relu(fc1(x))))), with
        /// <paramref name="mask"/>(dropout, pass) giving m₁ (dropout 0, 6 units) and m₂ (dropout 1, 5 units).
        /// With <paramref name="alpha"/> (a) the first dropout is an alpha dropout of rate 0.3 with 0/1
        /// masks: a·h + α·a·0.3 where m₁ = 1, <paramref name="shift"/> = α·a·(0.3 − 1) where m₁ = 0.
        /// </summary>
        public float[] Passes(Tensor x, Func<int, int, Tensor> mask, float? alpha = null, float shift = 0)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var passes = new List<Tensor>();
            for (int t = 0; t < McDropoutReferenceTests.Passes; t++)
            {
                var m = mask(0, t);
                var h = Fc1.call(x).relu();
                // Alpha: m₁·(a·h + α·a·0.3) + (1 − m₁)·shift.
                h = alpha is { } a ? h.mul(a).add(1.7580993408473766f * a * 0.3f).mul(m).add(m.neg().add(1f).mul(shift)) : h.mul(m);
                h = Fc2.call(h).mul(mask(1, t));
                passes.Add(nn.functional.softmax(Output.call(h), 1));
            }
            return cat(passes, 0).data<float>().ToArray();
        }
    }

    /// <summary>The same layers inside a module of its own: dropout is not a Sequential's child, so the library runs whole passes.</summary>
    private sealed class Wrapped : nn.Module<Tensor, Tensor>
    {
        private readonly Linear _fc1;
        private readonly Dropout _drop1 = nn.Dropout(0.5);
        private readonly Linear _fc2;
        private readonly Dropout _drop2 = nn.Dropout(0.3);
        private readonly Linear _output;

        public Wrapped(Layers layers) : base(nameof(Wrapped))
        {
            (_fc1, _fc2, _output) = (layers.Fc1, layers.Fc2, layers.Output);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => _output.call(_drop2.call(_fc2.call(_drop1.call(_fc1.call(input).relu()))));
    }

    private static (TorchClassifierTransformer Model, Layers Layers, DataViewSchema Schema) Train(bool wrapped)
    {
        var ml = new MLContext(0);
        var data = TinyData.Create(ml);
        var layers = new Layers();
        var model = ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = (_, _) => wrapped ? new Wrapped(layers) : layers.Sequential(),
            Epochs = 2,
            Seed = 3,
        }).Fit(data);
        return (model, layers, data.Schema);
    }

    private static Tensor Batch() => tensor(Enumerable.Range(0, Rows * 4).Select(i => (float)Math.Sin(i)).ToArray(), Rows, 4);

    private static DataViewRowId[] Ids => [.. Enumerable.Range(0, Rows).Select(i => new DataViewRowId((ulong)i, 0))];

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, what);
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-5f, $"{what}: value {i}");
    }

    [TestMethod]
    public void FreshMasksAtTheStatedDropoutsGiveThePlainTorchSharpPasses()
    {
        var (model, layers, schema) = Train(wrapped: false);
        using var x = Batch();
        var bound = (TorchBoundInference)InferenceMode.McDropout(Passes, seed: 6).Bind(model, schema, null, false);
        // Each row's masks are keyed by the dropout's child index (2, 4) and kept units scaled by 1/keep.
        float[] expected = layers.Passes(x, (dropout, t) => dropout == 0
            ? DropoutMasks.Fresh(6, 2, t, 1, Ids, Rows, [6], 0.5, 2f, CPU)[0]
            : DropoutMasks.Fresh(6, 4, t, 1, Ids, Rows, [5], 0.7, (float)(1 / 0.7), CPU)[0]);
        AssertClose(expected, bound.Run(x).Probabilities, "batched, prefix cached");
        AssertClose(expected, bound.RunNaive(x), "naive loop");
        model.Dispose();
    }

    [TestMethod]
    public void AReluBeforeAFreshDropoutIsAppliedBeforeItsMask()
    {
        // fc1 (4→6), ReLU, Dropout(0.5), fc2 (6→5), ReLU, Dropout(0.3), output (5→3): the second ReLU runs on the
        // T·N activations, where the library fuses it into the mask write of the dropout after it (child 5).
        var ml = new MLContext(0);
        var data = TinyData.Create(ml);
        var layers = new Layers();
        using var model = ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = (_, _) => nn.Sequential(("fc1", layers.Fc1), ("relu", nn.ReLU()), ("drop1", nn.Dropout(0.5)), ("fc2", layers.Fc2), ("relu2", nn.ReLU()), ("drop2", nn.Dropout(0.3)), ("output", layers.Output)),
            Epochs = 2,
            Seed = 3,
        }).Fit(data);
        using var x = Batch();
        var bound = (TorchBoundInference)InferenceMode.McDropout(Passes, seed: 6).Bind(model, data.Schema, null, false);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var passes = new List<Tensor>();
        for (int t = 0; t < Passes; t++)
        {
            var h = layers.Fc1.call(x).relu().mul(DropoutMasks.Fresh(6, 2, t, 1, Ids, Rows, [6], 0.5, 2f, CPU)[0]);
            h = layers.Fc2.call(h).relu().mul(DropoutMasks.Fresh(6, 5, t, 1, Ids, Rows, [5], 0.7, (float)(1 / 0.7), CPU)[0]);
            passes.Add(nn.functional.softmax(layers.Output.call(h), 1));
        }
        float[] expected = cat(passes, 0).data<float>().ToArray();
        Assert.IsTrue(layers.Fc2.call(layers.Fc1.call(x).relu()).data<float>().ToArray().Any(v => v < 0), "some of fc2's outputs are negative, so the ReLU matters");
        AssertClose(expected, bound.Run(x).Probabilities, "ReLU fused into the mask write");
        AssertClose(expected, bound.RunNaive(x), "naive loop");
    }

    [TestMethod]
    public void ConsistentMasksAtTheStatedDropoutsGiveThePlainTorchSharpPasses()
    {
        var (model, layers, schema) = Train(wrapped: false);
        using var x = Batch();
        var bound = (TorchBoundInference)InferenceMode.McDropout(Passes, consistent: true, seed: 6).Bind(model, schema, null, false);
        // One mask per (dropout, pass) shared by all rows: [T, 1, units], keyed by child index.
        using var first = DropoutMasks.Consistent(6, 2, Passes, [6], 0.5, CPU);
        using var second = DropoutMasks.Consistent(6, 4, Passes, [5], 0.3, CPU);
        float[] expected = layers.Passes(x, (dropout, t) => (dropout == 0 ? first : second)[t]);
        AssertClose(expected, bound.Run(x).Probabilities, "masked-Linear chain");
        model.Dispose();
    }

    [TestMethod]
    public void ANetworkOfItsOwnGetsTheMasksThroughItsDropoutModules()
    {
        var (model, layers, schema) = Train(wrapped: true);
        using var x = Batch();
        // The rate override 0.2 (keep 0.8) applies to both; masks are keyed by the dropout modules' order (0, 1).
        var bound = (TorchBoundInference)InferenceMode.McDropout(Passes, probability: 0.2, seed: 6).Bind(model, schema, null, false);
        float[] expected = layers.Passes(x, (dropout, t) => DropoutMasks.Fresh(6, dropout, t, 1, Ids, Rows, [dropout == 0 ? 6 : 5], 0.8, 1.25f, CPU)[0]);
        AssertClose(expected, bound.Run(x).Probabilities, "whole passes");
        Assert.IsFalse(model.Network.training, "the network stays in eval mode");
        model.Dispose();
    }

    [TestMethod]
    public void AlphaDropoutMatchesLibTorchsFormulaWithTheLibrarysMasks()
    {
        // LibTorch's alpha_dropout at p = 0.3 sends each x to a·x + α·a·p (kept) or α·a·(p − 1) (dropped),
        // a = 1/√((α²p + 1)(1 − p)), α = 1.7580993408473766: check the constants on its own draws.
        const double Alpha = 1.7580993408473766, P = 0.3;
        double a = 1 / Math.Sqrt(((Alpha * Alpha * P) + 1) * (1 - P));
        using var x = randn(1000);
        var input = x.data<float>().ToArray();
        var dropped = nn.functional.alpha_dropout(x, P, training: true).data<float>().ToArray();
        for (int i = 0; i < input.Length; i++)
        {
            double kept = (a * input[i]) + (Alpha * a * P), zero = Alpha * a * (P - 1);
            Assert.IsTrue(Math.Abs(dropped[i] - kept) < 1e-5 || Math.Abs(dropped[i] - zero) < 1e-5, $"value {i}: {dropped[i]} is neither {kept} nor {zero}");
        }

        // fc1 (4→6), ReLU, AlphaDropout(0.3), fc2 (6→5), Dropout(0.3), output (5→3): the library applies the
        // same formula with its 0/1 masks (child 2) and the elementwise dropout's masks (child 4).
        var ml = new MLContext(0);
        var data = TinyData.Create(ml);
        var layers = new Layers();
        using var model = ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = (_, _) => nn.Sequential(("fc1", layers.Fc1), ("relu", nn.ReLU()), ("drop1", nn.AlphaDropout(0.3)), ("fc2", layers.Fc2), ("drop2", nn.Dropout(0.3)), ("output", layers.Output)),
            Epochs = 1,
            Seed = 3,
        }).Fit(data);
        using var batch = Batch();
        var bound = (TorchBoundInference)InferenceMode.McDropout(Passes, seed: 6).Bind(model, data.Schema, null, false);
        using var scope = NewDisposeScope();
        float[] expected = layers.Passes(batch, (dropout, t) => dropout == 0
            ? DropoutMasks.Fresh(6, 2, t, 1, Ids, Rows, [6], 0.7, 1f, CPU)[0]
            : DropoutMasks.Fresh(6, 4, t, 1, Ids, Rows, [5], 0.7, (float)(1 / 0.7), CPU)[0], alpha: (float)a, shift: (float)(Alpha * a * (P - 1)));
        AssertClose(expected, bound.Run(batch).Probabilities, "alpha then elementwise");
    }

    [TestMethod]
    public void RateZeroGivesTheEvalForwardAndRateNearOneGivesTheOutputBias()
    {
        var (model, layers, schema) = Train(wrapped: false);
        using var x = Batch();
        using var one = ones(1);
        // Rate 0 keeps every unit: every pass is softmax(output(fc2(relu(fc1(x))))).
        float[] eval = layers.Passes(x, (_, _) => one);
        foreach (bool consistent in new[] { false, true })
        {
            var keepAll = (TorchBoundInference)InferenceMode.McDropout(Passes, consistent: consistent, probability: 0).Bind(model, schema, null, false);
            AssertClose(eval, keepAll.Run(x).Probabilities, $"rate 0, consistent: {consistent}");
        }
        // Rate 1 − 10⁻⁷ drops every unit (with these seeds): the output layer sees zeros, so every row of
        // every pass is softmax(output bias).
        var bias = nn.functional.softmax(layers.Output.bias!, 0).data<float>().ToArray();
        float[] biasOnly = [.. Enumerable.Range(0, Passes * Rows).SelectMany(_ => bias)];
        foreach (bool consistent in new[] { false, true })
        {
            var dropAll = (TorchBoundInference)InferenceMode.McDropout(Passes, consistent: consistent, probability: 1 - 1e-7).Bind(model, schema, null, false);
            AssertClose(biasOnly, dropAll.Run(x).Probabilities, $"rate near 1, consistent: {consistent}");
        }
        model.Dispose();
    }
}
