using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp.Modules;

namespace Energizer.ML.Tests.Torch;

/// <summary>TorchClassifier on sparse rows with <see cref="SparseUpdate.Lazy"/> (the default) against <see cref="SparseUpdate.Dense"/>.</summary>
[TestClass]
public sealed class SparseTrainingTests
{
    private const int Slots = 40;

    private sealed class Row
    {
        [VectorType(Slots)]
        public VBuffer<float> Features { get; set; }

        public uint Label { get; set; }
    }

    /// <summary>Sparse rows of 2-5 non-zeros among the first <paramref name="usedSlots"/> slots; every used slot is in some row.</summary>
    private static IDataView Data(MLContext ml, int rowCount, int usedSlots)
    {
        var random = new Random(11);
        var rows = new List<Row>();
        for (int i = 0; i < rowCount; i++)
        {
            uint label = (uint)(i % TinyData.Classes);
            int[] slots = [.. Enumerable.Range(0, random.Next(2, 6)).Select(_ => random.Next(usedSlots)).Append(i % usedSlots).Distinct().Order()];
            float[] values = [.. slots.Select(s => (s % TinyData.Classes == label ? 1f : 0.25f) * (1 + (float)random.NextDouble()))];
            rows.Add(new Row { Features = new VBuffer<float>(Slots, slots.Length, values, slots), Label = label });
        }
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), TinyData.Classes);
        return ml.Data.LoadFromEnumerable(rows, definition);
    }

    private static TorchClassifierOptions Options(SparseUpdate update, int batchSize, List<string>? log = null) => new()
    {
        Network = Networks.Mlp([8], 0.2),
        Epochs = 6,
        // The step counts these tests work out come from Epochs alone, so no training floor.
        MinimumSteps = 0,
        BatchSize = batchSize,
        LearningRate = 0.02,
        Optimizer = TorchOptimizer.AdamW,
        WeightDecay = 0.5,
        Seed = 4,
        SparseUpdate = update,
        Log = log is null ? null : log.Add,
    };

    private static float[] FirstLayerWeight(TorchClassifierTransformer model) =>
        ((Linear)((Sequential)model.Network)[0]).weight!.detach().data<float>().ToArray();

    [TestMethod]
    public void LazyEqualsDenseWhenEveryBatchTouchesEveryColumn()
    {
        // 40 rows (row i has slot i) in one batch of 64: every step touches every column, so lazy
        // AdamW is dense AdamW (the first layer's sums run in another order: 1e-5).
        var ml = new MLContext(0);
        var data = Data(ml, 40, Slots);
        using var lazy = new TorchClassifierTrainer(Options(SparseUpdate.Lazy, 64)).Fit(data);
        using var dense = new TorchClassifierTrainer(Options(SparseUpdate.Dense, 64)).Fit(data);
        var a = FirstLayerWeight(lazy);
        var b = FirstLayerWeight(dense);
        Assert.HasCount(8 * Slots, a);
        for (int i = 0; i < a.Length; i++) Assert.AreEqual(b[i], a[i], 1e-5, $"weight {i}");
        var scoresA = lazy.Transform(data).GetColumn<float[]>("Score").SelectMany(s => s).ToArray();
        var scoresB = dense.Transform(data).GetColumn<float[]>("Score").SelectMany(s => s).ToArray();
        for (int i = 0; i < scoresA.Length; i++) Assert.AreEqual(scoresB[i], scoresA[i], 1e-5, $"score {i}");
    }

    [TestMethod]
    public void LazyAdamWLeavesColumnsNoRowHasAtTheirInitialWeights()
    {
        // Rows use slots 0-29 only. Slots 30-39 get no gradient ever: lazily nothing touches them,
        // so they keep the seeded initial weights; dense AdamW decays them every step, by
        // (1 − lr·λ)^steps = (1 − 0.01)^(6 epochs × 4 batches of 8 of 30 rows) = 0.99^24.
        var ml = new MLContext(0);
        var data = Data(ml, 30, 30);
        var log = new List<string>();
        using var lazy = new TorchClassifierTrainer(Options(SparseUpdate.Lazy, 8, log)).Fit(data);
        using var dense = new TorchClassifierTrainer(Options(SparseUpdate.Dense, 8)).Fit(data);
        TorchSharp.torch.manual_seed(4);
        using var initialNetwork = Options(SparseUpdate.Lazy, 8).Network(Slots, TinyData.Classes);
        var initial = ((Linear)((Sequential)initialNetwork)[0]).weight!.detach().data<float>().ToArray();
        var a = FirstLayerWeight(lazy);
        var b = FirstLayerWeight(dense);
        double decay = Math.Pow(0.99, 24);
        for (int unit = 0; unit < 8; unit++)
        {
            for (int slot = 30; slot < Slots; slot++)
            {
                int i = (unit * Slots) + slot;
                Assert.AreEqual(initial[i], a[i], $"lazy, unit {unit}, slot {slot}");
                Assert.AreEqual(initial[i] * decay, b[i], 1e-6, $"dense, unit {unit}, slot {slot}");
            }
            Assert.AreNotEqual(initial[unit * Slots], a[unit * Slots], "a used slot trains");
        }
        CollectionAssert.Contains(log, "TorchClassifier: sparse rows; the first layer trains on each batch's columns only (lazy Adam, SparseUpdate.Lazy).");
    }

    [TestMethod]
    public void SgdAndDenseRowsTrainDenseWhateverTheOption()
    {
        // Lazy updates are Adam's and AdamW's; SGD on sparse rows takes the dense path (no log line, same model as Dense).
        var ml = new MLContext(0);
        var data = Data(ml, 30, 30);
        var log = new List<string>();
        TorchClassifierOptions Sgd(SparseUpdate update)
        {
            var options = Options(update, 8, update == SparseUpdate.Lazy ? log : null);
            options.Optimizer = TorchOptimizer.Sgd;
            return options;
        }
        using var lazy = new TorchClassifierTrainer(Sgd(SparseUpdate.Lazy)).Fit(data);
        using var dense = new TorchClassifierTrainer(Sgd(SparseUpdate.Dense)).Fit(data);
        CollectionAssert.AreEqual(FirstLayerWeight(dense), FirstLayerWeight(lazy));
        Assert.IsFalse(log.Any(line => line.Contains("lazy Adam", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void AnUnknownSparseUpdateIsRefusedByName()
    {
        var ml = new MLContext(0);
        var options = Options((SparseUpdate)7, 8);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new TorchClassifierTrainer(options).Fit(Data(ml, 30, 30)));
        Assert.AreEqual("SparseUpdate", error.ParamName);
    }
}
