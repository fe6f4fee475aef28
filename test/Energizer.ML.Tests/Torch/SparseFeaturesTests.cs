using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Torch;

[TestClass]
public sealed class SparseFeaturesTests
{
    private const int Slots = 300;

    private sealed class Row
    {
        [VectorType(Slots)]
        public VBuffer<float> Features { get; set; }

        public uint Label { get; set; }
    }

    /// <summary>
    /// 60 rows of 300 slots with 3-8 non-zeros each; class c puts more weight on slots c mod 3.
    /// The same values are stored sparse, or dense (every slot explicit).
    /// </summary>
    private static IDataView Data(MLContext ml, bool sparse)
    {
        var random = new Random(7);
        var rows = new List<Row>();
        for (int i = 0; i < 60; i++)
        {
            uint label = (uint)(i % TinyData.Classes);
            var slots = Enumerable.Range(0, random.Next(3, 9)).Select(_ => random.Next(Slots)).Distinct().Order().ToArray();
            var values = slots.Select(s => (s % TinyData.Classes == label ? 1f : 0.25f) * (1 + (float)random.NextDouble())).ToArray();
            var dense = new float[Slots];
            for (int k = 0; k < slots.Length; k++) dense[slots[k]] = values[k];
            rows.Add(new Row
            {
                Features = sparse ? new VBuffer<float>(Slots, slots.Length, values, slots) : new VBuffer<float>(Slots, dense),
                Label = label,
            });
        }
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), TinyData.Classes);
        return ml.Data.LoadFromEnumerable(rows, definition);
    }

    private static float[][] TrainAndScore(bool sparse, bool dropout)
    {
        var ml = new MLContext(0);
        var data = Data(ml, sparse);
        using var model = ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = Networks.Mlp([16], dropout ? 0.2 : 0),
            Epochs = 5,
            BatchSize = 8,
            LearningRate = 0.01,
            Seed = 3,
            // The bit-for-bit claim is the dense update's; lazy Adam (the default) is SparseTrainingTests'.
            SparseUpdate = SparseUpdate.Dense,
        }).Fit(data);
        // Score both ways: the model must not care how the features are stored.
        return [.. model.Transform(Data(ml, sparse: true)).GetColumn<float[]>("Score"), .. model.Transform(Data(ml, sparse: false)).GetColumn<float[]>("Score")];
    }

    [TestMethod]
    public void SparseRowsTrainAndScoreLikeTheSameRowsStoredDense()
    {
        var sparse = TrainAndScore(sparse: true, dropout: true);
        var dense = TrainAndScore(sparse: false, dropout: true);
        Assert.HasCount(120, sparse);
        for (int row = 0; row < sparse.Length; row++)
        {
            for (int c = 0; c < TinyData.Classes; c++)
                Assert.AreEqual(dense[row][c], sparse[row][c], 1e-5, $"row {row}, class {c}");
        }
        // Scoring the same model from sparse and dense storage gives the same probabilities (sparse
        // batches go through the first Linear's non-zeros only, summed in another order: 1e-6).
        for (int row = 0; row < 60; row++)
        {
            for (int c = 0; c < TinyData.Classes; c++)
                Assert.AreEqual(sparse[row + 60][c], sparse[row][c], 1e-6, $"row {row}, class {c}");
        }
    }

    [TestMethod]
    public void PoolScoringPassesSparseBatchesToTheFirstLayerWithTheDenseResults()
    {
        var ml = new MLContext(0);
        using var model = ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = Networks.Mlp([16, 8], 0.3),
            Epochs = 3,
            BatchSize = 8,
            Seed = 3,
        }).Fit(Data(ml, sparse: true));
        // The reader sees a sparse batch; its bag form (columns, row starts, values) holds exactly
        // the dense batch's values, and the dense buffer is filled from it when first read.
        var sparseData = Data(ml, sparse: true);
        using (var cursor = sparseData.GetRowCursor([sparseData.Schema["Features"]]))
        {
            var reader = new FeatureBatchReader(cursor, "Features", 16);
            Assert.IsTrue(reader.ReadBatch());
            Assert.IsTrue(reader.IsSparseBatch(0.1));
            var batch = reader.SparseBatch();
            long[] start = [.. batch.RowStarts[..16], batch.NonZeros];
            var expected = new float[16 * Slots];
            for (int row = 0; row < 16; row++)
            {
                for (long k = start[row]; k < start[row + 1]; k++) expected[(row * Slots) + batch.Columns[k]] = batch.Values[k];
            }
            using (var dense = reader.FeaturesTensor()) CollectionAssert.AreEqual(expected, dense.data<float>().ToArray());

            // Through the bag, the first Linear gives the dense product (the sums run in another order).
            using var sparseLayer = SparseFirstLayer.For(model.Network)!;
            using var scope = TorchSharp.torch.NewDisposeScope();
            using var noGrad = TorchSharp.torch.no_grad();
            Assert.IsTrue(reader.ReadBatch());
            var fromBag = sparseLayer.Forward(reader.SparseBatch()).data<float>().ToArray();
            var fromDense = ((TorchSharp.Modules.Sequential)model.Network)[0] is TorchSharp.Modules.Linear first
                ? first.call(reader.FeaturesTensor()).data<float>().ToArray()
                : throw new AssertFailedException("the MLP starts with a Linear");
            Assert.HasCount(16 * 16, fromBag);
            for (int i = 0; i < fromBag.Length; i++) Assert.AreEqual(fromDense[i], fromBag[i], 1e-5, $"value {i}");
        }
        using (var cursor = Data(ml, sparse: false).GetRowCursor([sparseData.Schema["Features"]]))
        {
            var reader = new FeatureBatchReader(cursor, "Features", 16);
            Assert.IsTrue(reader.ReadBatch());
            Assert.IsFalse(reader.IsSparseBatch(0.1), "rows stored dense stay on the dense path");
            Assert.Throws<InvalidOperationException>(() => reader.SparseBatch());
        }
        // Fresh masks are drawn per row id, so both paths draw the same masks.
        foreach (var mode in new[]
        {
            Energizer.ML.Inference.InferenceMode.Deterministic,
            Energizer.ML.Inference.InferenceMode.McDropout(4, consistent: true, seed: 2),
            Energizer.ML.Inference.InferenceMode.McDropout(4),
        })
        {
            float[] Score(bool sparse)
            {
                var pool = Data(ml, sparse);
                var scorer = ml.ActiveLearning().ScoreAcquisition(model, new Energizer.ML.Scoring.AcquisitionScorerOptions
                {
                    Strategy = Energizer.ML.Acquisition.AcquisitionStrategy.Entropy,
                    Inference = mode,
                    BatchSize = 16,
                    MeanProbabilitiesColumnName = "Mean",
                }).Fit(pool);
                return [.. scorer.Transform(pool).GetColumn<float[]>("Mean").SelectMany(p => p)];
            }
            // 3-8 of 300 slots per row (≤ 3% dense): the sparse rows take the bag, the dense rows the dense product.
            var fromSparse = Score(sparse: true);
            var fromDense = Score(sparse: false);
            Assert.HasCount(fromDense.Length, fromSparse);
            for (int i = 0; i < fromDense.Length; i++) Assert.AreEqual(fromDense[i], fromSparse[i], 1e-5, $"{mode.Name}, value {i}");
        }
    }

    [TestMethod]
    public void SparseScoringLeavesTorchsGeneratorToATrainingThread()
    {
        // While sparse batches are scored on this thread, another thread draws from torch's
        // process-wide generator (as training does): its draws must be the seeded stream, with no value
        // repeated or skipped. A 300-2048 first layer makes any one-off draw of the scoring side long.
        var ml = new MLContext(0);
        var pool = Data(ml, sparse: true);
        using var model = ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = Networks.Mlp([2048], 0),
            Epochs = 1,
            Seed = 3,
        }).Fit(pool);
        var drawn = new List<float>();
        bool scoring = true;
        TorchSharp.torch.manual_seed(5);
        var training = Task.Run(() =>
        {
            while (Volatile.Read(ref scoring)) drawn.AddRange(TorchSharp.torch.rand(16).data<float>().ToArray());
        });
        for (int pass = 0; pass < 20; pass++) model.Transform(pool).GetColumn<float[]>("Score").ToList();
        Volatile.Write(ref scoring, false);
        training.Wait();
        TorchSharp.torch.manual_seed(5);
        var expected = Enumerable.Range(0, drawn.Count / 16).SelectMany(_ => TorchSharp.torch.rand(16).data<float>().ToArray()).ToArray();
        CollectionAssert.AreEqual(expected, drawn.ToArray());
    }

    [TestMethod]
    public void TheSparseFirstLayerGivesTheLinearOutputWorkedByHand()
    {
        // W (out 2 × in 3) = [[1, 2, 3], [4, 5, 6]], bias [0.5, -1]. Rows: x0 = {0: 2, 2: 1},
        // x1 = {} (empty), x2 = {1: 3}. y = x·Wᵀ + b: y0 = 2·W[:,0] + 1·W[:,2] + b = [2 + 3, 8 + 6] + b
        // = [5.5, 13]; y1 = b = [0.5, -1]; y2 = 3·W[:,1] + b = [6, 15] + b = [6.5, 14].
        using var network = TorchSharp.torch.nn.Sequential(("0", TorchSharp.torch.nn.Linear(3, 2)));
        var linear = (TorchSharp.Modules.Linear)network[0];
        using (TorchSharp.torch.no_grad())
        {
            linear.weight!.copy_(TorchSharp.torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3));
            linear.bias!.copy_(TorchSharp.torch.tensor(new float[] { 0.5f, -1 }));
        }
        using var layer = SparseFirstLayer.For(network)!;
        using var scope = TorchSharp.torch.NewDisposeScope();
        var y = layer.Forward(new SparseRows(3, 3, [0, 2, 1], [0, 2, 2], [2f, 1f, 3f]));
        CollectionAssert.AreEqual(new long[] { 3, 2 }, y.shape);
        CollectionAssert.AreEqual(new float[] { 5.5f, 13, 0.5f, -1, 6.5f, 14 }, y.data<float>().ToArray());
        Assert.IsNull(SparseFirstLayer.For(TorchSharp.torch.nn.Sequential(("0", TorchSharp.torch.nn.ReLU()))), "only a network that starts with a Linear");
    }

    [TestMethod]
    public void MixedBatchesAndReusedBuffersReadTheRowsAsStored()
    {
        // Batches of 2: two dense rows of 1s, then two sparse rows (the buffer rows the 1s filled
        // must read as zeros outside their non-zeros), then a sparse row and a dense row.
        var ml = new MLContext(0);
        var ones = Enumerable.Repeat(1f, Slots).ToArray();
        var rows = new[]
        {
            new Row { Features = new VBuffer<float>(Slots, ones), Label = 1 },
            new Row { Features = new VBuffer<float>(Slots, ones), Label = 1 },
            new Row { Features = new VBuffer<float>(Slots, 2, [2f, 3f], [5, 299]), Label = 1 },
            new Row { Features = new VBuffer<float>(Slots, 0, [], []), Label = 1 },
            new Row { Features = new VBuffer<float>(Slots, 1, [4f], [7]), Label = 1 },
            new Row { Features = new VBuffer<float>(Slots, ones), Label = 1 },
        };
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), TinyData.Classes);
        var data = ml.Data.LoadFromEnumerable(rows, definition);
        using var cursor = data.GetRowCursor([data.Schema["Features"]]);
        var reader = new FeatureBatchReader(cursor, "Features", 2);
        float[] Batch()
        {
            Assert.IsTrue(reader.ReadBatch());
            return reader.Features[..(2 * Slots)];
        }
        CollectionAssert.AreEqual(ones.Concat(ones).ToArray(), Batch());
        var second = Batch();
        Assert.IsTrue(reader.IsSparseBatch(0.1));
        Assert.AreEqual(5f, second.Sum(), "only the explicit 2 and 3");
        Assert.AreEqual(2f, second[5]);
        Assert.AreEqual(3f, second[299]);
        var third = Batch();
        Assert.IsFalse(reader.IsSparseBatch(0.1), "a batch with a dense row is read dense");
        Assert.AreEqual(4f, third[..Slots].Sum());
        Assert.AreEqual(4f, third[7]);
        CollectionAssert.AreEqual(ones, third[Slots..]);
        Assert.IsFalse(reader.ReadBatch());
    }

    [TestMethod]
    public void APredictionEngineScoresASparseRowLikeItsDenseCopy()
    {
        var ml = new MLContext(0);
        using var model = ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = Networks.Mlp([16], 0.2),
            Epochs = 2,
            Seed = 3,
        }).Fit(Data(ml, sparse: true));
        var expected = model.Transform(Data(ml, sparse: false)).GetColumn<float[]>("Score").ToArray();
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), TinyData.Classes);
        using var engine = ml.Model.CreatePredictionEngine<Row, Scored>(model, inputSchemaDefinition: definition);
        var sparseRows = ml.Data.CreateEnumerable<Row>(Data(ml, sparse: true), reuseRowObject: false, schemaDefinition: definition).ToArray();
        Assert.HasCount(60, sparseRows);
        for (int row = 0; row < sparseRows.Length; row++)
        {
            Assert.IsFalse(sparseRows[row].Features.IsDense);
            var score = engine.Predict(sparseRows[row]).Score;
            for (int c = 0; c < TinyData.Classes; c++) Assert.AreEqual(expected[row][c], score[c], 1e-6, $"row {row}, class {c}");
        }
    }

    private sealed class Scored
    {
        public float[] Score { get; set; } = [];
    }

    [TestMethod]
    public void TheTrainingSetKeepsSparseRowsAsTheirNonZeros()
    {
        var ml = new MLContext(0);
        var options = new TorchClassifierOptions();
        Assert.IsTrue(TrainingSet.Read(Data(ml, sparse: true), options, default).IsSparse);
        Assert.IsFalse(TrainingSet.Read(Data(ml, sparse: false), options, default).IsSparse);
    }

    [TestMethod]
    public void ANonFiniteSparseValueNamesItsSlot()
    {
        var ml = new MLContext(0);
        var rows = new[] { new Row { Features = new VBuffer<float>(Slots, 2, [1f, float.NaN], [4, 250]), Label = 0 } };
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), TinyData.Classes);
        var data = ml.Data.LoadFromEnumerable(rows, definition);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions { Epochs = 1 }).Fit(data));
        StringAssert.Contains(e.Message, "slot 250");
        StringAssert.Contains(e.Message, "row 0");
    }
}
