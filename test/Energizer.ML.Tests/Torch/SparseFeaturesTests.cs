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
        // batches go to the first Linear as COO, which sums the non-zeros in another order: 1e-6).
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
        // The reader sees a sparse batch and its COO tensor holds exactly the dense batch's values.
        var sparseData = Data(ml, sparse: true);
        using (var cursor = sparseData.GetRowCursor([sparseData.Schema["Features"]]))
        {
            var reader = new FeatureBatchReader(cursor, "Features", 16);
            Assert.IsTrue(reader.ReadBatch());
            Assert.IsTrue(reader.IsSparseBatch(0.1));
            using var coo = reader.SparseFeaturesTensor();
            using var fromCoo = coo.to_dense();
            using var dense = reader.FeaturesTensor();
            CollectionAssert.AreEqual(dense.data<float>().ToArray(), fromCoo.data<float>().ToArray());
        }
        using (var cursor = Data(ml, sparse: false).GetRowCursor([sparseData.Schema["Features"]]))
        {
            var reader = new FeatureBatchReader(cursor, "Features", 16);
            Assert.IsTrue(reader.ReadBatch());
            Assert.IsFalse(reader.IsSparseBatch(0.1), "rows stored dense stay on the dense path");
        }
        foreach (var mode in new[] { Energizer.ML.Inference.InferenceMode.Deterministic, Energizer.ML.Inference.InferenceMode.McDropout(4, consistent: true, seed: 2) })
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
            // 3-8 of 300 slots per row (≤ 3% dense): the sparse rows take the COO path, the dense rows the dense one.
            var fromSparse = Score(sparse: true);
            var fromDense = Score(sparse: false);
            Assert.HasCount(fromDense.Length, fromSparse);
            for (int i = 0; i < fromDense.Length; i++) Assert.AreEqual(fromDense[i], fromSparse[i], 1e-5, $"{mode.Name}, value {i}");
        }
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
