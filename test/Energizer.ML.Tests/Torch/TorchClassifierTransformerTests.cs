using System.Runtime.CompilerServices;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Torch;

[TestClass]
public sealed class TorchClassifierTransformerTests
{
    private static MLContext s_mlContext = null!;
    private static IDataView s_train = null!;
    private static IDataView s_test = null!;
    private static TorchClassifierTransformer s_model = null!;

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        s_mlContext = new MLContext(seed: 1);
        (s_train, s_test) = DigitsData.Load(s_mlContext);
        s_model = s_mlContext.MulticlassClassification.Trainers.TorchClassifier(QuickOptions(seed: 3)).Fit(s_train);
    }

    [ClassCleanup]
    public static void Free() => s_model?.Dispose();

    private static TorchClassifierOptions QuickOptions(int seed) => new()
    {
        Network = Networks.Mlp([64], 0.1),
        Epochs = 12,
        BatchSize = 32,
        Seed = seed,
    };

    private static float[][] Scores(ITransformer model, IDataView data) =>
        [.. model.Transform(data).GetColumn<float[]>(TorchClassifierSchemaNames.Score)];

    [TestMethod]
    public void SameSeedGivesIdenticalScoresAndAnotherSeedDoesNot()
    {
        using var again = s_mlContext.MulticlassClassification.Trainers.TorchClassifier(QuickOptions(seed: 3)).Fit(s_train);
        using var other = s_mlContext.MulticlassClassification.Trainers.TorchClassifier(QuickOptions(seed: 4)).Fit(s_train);
        var expected = Scores(s_model, s_test);
        var actual = Scores(again, s_test);
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++) CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}");
        Assert.IsFalse(expected.Zip(Scores(other, s_test)).All(p => p.First.SequenceEqual(p.Second)), "another seed should give other weights");
    }

    [TestMethod]
    public void ScoresAreProbabilitiesAndPredictedLabelIsTheirArgMax()
    {
        var scored = s_model.Transform(s_test);
        var scores = scored.GetColumn<float[]>("Score").ToList();
        var predicted = scored.GetColumn<uint>("PredictedLabel").ToList();
        Assert.HasCount((int)s_test.GetRowCount()!.Value, scores);
        for (int i = 0; i < scores.Count; i++)
        {
            Assert.HasCount(10, scores[i]);
            Assert.AreEqual(1.0, scores[i].Sum(), 1e-5, $"row {i}");
            Assert.AreEqual((uint)Array.IndexOf(scores[i], scores[i].Max()) + 1, predicted[i], $"row {i}");
        }
    }

    [TestMethod]
    public void OutputColumnsCarryTheLabelKeyTypeAndSlotNames()
    {
        var schema = s_model.Transform(s_test).Schema;
        var label = s_test.Schema["Label"];
        Assert.AreEqual(label.Type, schema["PredictedLabel"].Type);
        VBuffer<float> labelValues = default, predictedValues = default;
        label.GetKeyValues(ref labelValues);
        schema["PredictedLabel"].GetKeyValues(ref predictedValues);
        CollectionAssert.AreEqual(labelValues.DenseValues().ToArray(), predictedValues.DenseValues().ToArray());
        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        schema["Score"].GetSlotNames(ref slotNames);
        CollectionAssert.AreEqual(labelValues.DenseValues().Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
            slotNames.DenseValues().Select(s => s.ToString()).ToArray());
        CollectionAssert.AreEqual(s_test.Schema.Select(c => c.Name).ToArray(), schema.Take(s_test.Schema.Count).Select(c => c.Name).ToArray(), "input columns pass through");
    }

    [TestMethod]
    public void MapKeyToValueOnPredictedLabelGivesTheOriginalDigits()
    {
        var scored = s_model.Transform(s_test);
        var values = s_mlContext.Transforms.Conversion.MapKeyToValue("PredictedDigit", "PredictedLabel").Fit(scored).Transform(scored);
        var predicted = values.GetColumn<float>("PredictedDigit").ToArray();
        var truth = values.GetColumn<float>(nameof(DigitsData.DigitRow.Digit)).ToArray();
        CollectionAssert.IsSubsetOf(predicted.Distinct().ToArray(), Enumerable.Range(0, 10).Select(d => (float)d).ToArray());
        Assert.IsGreaterThan(0.9, predicted.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Length);
    }

    [TestMethod]
    public void EstimatorOutputSchemaChainsIntoMapKeyToValueBeforeAnyData()
    {
        var pipeline = s_mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitsData.DigitRow.Digit))
            .Append(s_mlContext.MulticlassClassification.Trainers.TorchClassifier(QuickOptions(seed: 3)))
            .Append(s_mlContext.Transforms.Conversion.MapKeyToValue("PredictedDigit", "PredictedLabel"));
        var shape = pipeline.GetOutputSchema(ShapeOf<DigitsData.DigitRow>(s_mlContext));
        var score = shape.Single(c => c.Name == "Score");
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, score.Kind);
        Assert.AreEqual(NumberDataViewType.Single, score.ItemType);
        var predicted = shape.Single(c => c.Name == "PredictedLabel");
        Assert.IsTrue(predicted.IsKey);
        Assert.AreEqual(NumberDataViewType.Single, shape.Single(c => c.Name == "PredictedDigit").ItemType);
    }

    [TestMethod]
    public void SaveThenLoadGivesIdenticalScores()
    {
        using var stream = new MemoryStream();
        s_model.Save(stream);
        stream.Position = 0;
        using var loaded = TorchClassifierTransformer.Load(stream);
        Assert.AreEqual(s_model.FeatureCount, loaded.FeatureCount);
        Assert.AreEqual(s_model.ClassCount, loaded.ClassCount);
        CollectionAssert.AreEqual(s_model.ClassNames!.ToArray(), loaded.ClassNames!.ToArray());
        var expected = Scores(s_model, s_test);
        var actual = Scores(loaded, s_test);
        for (int i = 0; i < expected.Length; i++) CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}");
        var metrics = s_mlContext.MulticlassClassification.Evaluate(loaded.Transform(s_test));
        Assert.IsGreaterThan(0.9, metrics.MicroAccuracy);
    }

    [TestMethod]
    public void SaveThenLoadKeepsEveryTrainingChoice()
    {
        // Format 1 dropped MinimumSteps, the Adam betas and SparseUpdate: a loaded model then
        // trained on (WarmStartFrom) or described with other settings than it was fitted with.
        var mlContext = new MLContext(seed: 1);
        var data = TinyData.Create(mlContext);
        var options = new TorchClassifierOptions
        {
            Network = Networks.Mlp([4], 0.1),
            Epochs = 2,
            MinimumSteps = 7,
            AdamBeta1 = 0.8,
            AdamBeta2 = 0.95,
            SparseUpdate = SparseUpdate.Dense,
            WeightDecay = 0.01,
            LearningRate = 0.02,
        };
        using var model = mlContext.MulticlassClassification.Trainers.TorchClassifier(options).Fit(data);
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        using var loaded = TorchClassifierTransformer.Load(stream);
        Assert.AreEqual(7, loaded.Options.MinimumSteps);
        Assert.AreEqual(0.8, loaded.Options.AdamBeta1);
        Assert.AreEqual(0.95, loaded.Options.AdamBeta2);
        Assert.AreEqual(SparseUpdate.Dense, loaded.Options.SparseUpdate);
        Assert.AreEqual(0.01, loaded.Options.WeightDecay);
        Assert.AreEqual(0.02, loaded.Options.LearningRate);
    }

    [TestMethod]
    public void AFormatOneStreamStillLoadsWithTheNewOptionsAtTheirDefaults()
    {
        // Format 1 as the previous release wrote it, field by field, then the network's weights.
        var mlContext = new MLContext(seed: 1);
        var data = TinyData.Create(mlContext);
        using var model = mlContext.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions { Network = Networks.Mlp([4], 0.1), Epochs = 2 }).Fit(data);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write("Energizer.ML.TorchClassifier");
            writer.Write(1);
            writer.Write(model.FeatureColumnName);
            writer.Write(model.Options.LabelColumnName);
            writer.Write(model.FeatureCount);
            writer.Write((ulong)model.ClassCount);
            KeyValueSet.Write(writer, null);
            writer.Write("Mlp hidden=4 dropout=0.1");
            writer.Write(3); // Epochs
            writer.Write(16); // BatchSize
            writer.Write(0.005); // LearningRate
            writer.Write((int)TorchOptimizer.Adam);
            writer.Write(0.9); // Momentum
            writer.Write(0.0); // WeightDecay
            writer.Write(4); // Seed
            writer.Write((int)TorchSharp.DeviceType.CPU);
            writer.Write(true); // Shuffle
            writer.Write(0); // EarlyStoppingPatience
            writer.Write(-1); // no class weights
            model.Network.save(writer);
        }
        stream.Position = 0;
        using var loaded = TorchClassifierTransformer.Load(stream);
        Assert.AreEqual(3, loaded.Options.Epochs);
        Assert.AreEqual(0.005, loaded.Options.LearningRate);
        Assert.AreEqual(4, loaded.Options.Seed);
        var defaults = new TorchClassifierOptions();
        Assert.AreEqual(defaults.MinimumSteps, loaded.Options.MinimumSteps);
        Assert.AreEqual(defaults.AdamBeta2, loaded.Options.AdamBeta2);
        Assert.AreEqual(SparseUpdate.Lazy, loaded.Options.SparseUpdate);
        CollectionAssert.AreEqual(Scores(model, data)[3], Scores(loaded, data)[3]);
    }

    [TestMethod]
    public void LoadOfACustomNetworkNeedsItsFactory()
    {
        var mlContext = new MLContext(seed: 1);
        var data = TinyData.Create(mlContext);
        var options = new TorchClassifierOptions { Network = (f, c) => TorchSharp.torch.nn.Linear(f, c), Epochs = 2 };
        using var model = mlContext.MulticlassClassification.Trainers.TorchClassifier(options).Fit(data);
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        var error = Assert.ThrowsExactly<ArgumentException>(() => TorchClassifierTransformer.Load(stream));
        StringAssert.Contains(error.Message, "custom network");
        stream.Position = 0;
        using var loaded = TorchClassifierTransformer.Load(stream, options.Network);
        CollectionAssert.AreEqual(Scores(model, data)[5], Scores(loaded, data)[5]);
    }

    [TestMethod]
    public void PredictionEngineScoresSingleRowsLikeTransform()
    {
        var engine = s_mlContext.Model.CreatePredictionEngine<DigitsData.DigitRow, Prediction>(s_model);
        var rows = s_mlContext.Data.CreateEnumerable<DigitsData.DigitRow>(s_test, reuseRowObject: false).Take(20).ToList();
        var expected = Scores(s_model, s_test);
        var predictedLabels = s_model.Transform(s_test).GetColumn<uint>("PredictedLabel").ToArray();
        for (int i = 0; i < rows.Count; i++)
        {
            var prediction = engine.Predict(rows[i]);
            CollectionAssert.AreEqual(expected[i], prediction.Score, new FloatComparer(1e-6f), $"row {i}");
            Assert.AreEqual(predictedLabels[i], prediction.PredictedLabel, $"row {i}");
        }
    }

    [TestMethod]
    public void TransformIsLazyAndScoresOneBatchPerForward()
    {
        var mlContext = new MLContext(seed: 1);
        var data = TinyData.Create(mlContext, rows: 30);
        var forwards = new StrongBox<int>();
        var options = new TorchClassifierOptions
        {
            Network = (f, c) => new CountingNetwork(Networks.Mlp([8], 0)(f, c), forwards),
            Epochs = 1,
            BatchSize = 8,
        };
        using var model = mlContext.MulticlassClassification.Trainers.TorchClassifier(options).Fit(data);
        int afterFit = forwards.Value;
        var scored = model.Transform(data);
        using var cursor = scored.GetRowCursor(scored.Schema);
        Assert.AreEqual(afterFit, forwards.Value, "Transform and GetRowCursor compute nothing");
        var score = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
        Assert.IsTrue(cursor.MoveNext());
        Assert.AreEqual(afterFit + 1, forwards.Value, "the first move scores the first batch");
        for (int i = 1; i < 8; i++) Assert.IsTrue(cursor.MoveNext());
        Assert.AreEqual(afterFit + 1, forwards.Value, "rows of the same batch share the forward");
        Assert.IsTrue(cursor.MoveNext());
        Assert.AreEqual(afterFit + 2, forwards.Value, "the ninth row starts the second batch");
        while (cursor.MoveNext()) { }
        Assert.AreEqual(afterFit + 4, forwards.Value, "30 rows in batches of 8 take 4 forwards");

        using var passThrough = scored.GetRowCursor([scored.Schema["Label"]]);
        while (passThrough.MoveNext()) { }
        Assert.AreEqual(afterFit + 4, forwards.Value, "a cursor without score columns never scores");
    }

    /// <summary>The schema shape of rows of <typeparamref name="T"/> (SchemaShape.Create is internal).</summary>
    internal static SchemaShape ShapeOf<T>(MLContext mlContext) where T : class, new() =>
        mlContext.Transforms.CustomMapping<NoColumns, T>((_, _) => { }, contractName: null).GetOutputSchema(new SchemaShape([]));

    public sealed class NoColumns;

    public sealed class Prediction
    {
        public float[] Score { get; set; } = [];

        [KeyType(10)]
        public uint PredictedLabel { get; set; }
    }

    private sealed class FloatComparer(float tolerance) : System.Collections.IComparer
    {
        public int Compare(object? x, object? y) => Math.Abs((float)x! - (float)y!) <= tolerance ? 0 : 1;
    }
}

internal static class TorchClassifierSchemaNames
{
    public const string Score = "Score";
}
