using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;
using static Energizer.ML.Tests.Scoring.PoolFixtures;

namespace Energizer.ML.Tests.Scoring;

[TestClass]
public sealed class AcquisitionScorerTests
{
    private static readonly float[] Five = [0.9f, 0.2f, 0.5f, 0.7f, 0.1f];

    [TestMethod]
    public void OutputSchemaAddsScoreAndRowIdAfterThePoolColumns()
    {
        var ml = new MLContext(1);
        var pool = Pool(ml, Five);
        var estimator = ml.ActiveLearning().ScoreAcquisition(CopyLearner(ml, pool), new AcquisitionScorerOptions
        {
            Strategy = new FirstClassStrategy(),
            MeanProbabilitiesColumnName = "Mean",
        });
        var schema = estimator.Fit(pool).Transform(pool).Schema;
        CollectionAssert.AreEqual(new[] { "UserId", "P", "Acquisition", "RowId", "Mean" }, schema.Select(c => c.Name).ToArray());
        Assert.AreEqual(NumberDataViewType.Single, schema["Acquisition"].Type);
        Assert.AreEqual(NumberDataViewType.Int64, schema["RowId"].Type);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 2), schema["Mean"].Type);

        // ML.NET keeps SchemaShape.Create internal: build the pool's shape with the same helper the scorer uses.
        var poolShape = SchemaShapes.Append(ml, new SchemaShape([]), pool.Schema.Select(c => (c.Name, c.Type)));
        var shape = estimator.GetOutputSchema(poolShape);
        var names = shape.Select(c => c.Name).ToArray();
        CollectionAssert.IsSubsetOf(new[] { "UserId", "P", "Acquisition", "RowId", "Mean" }, names);
        var mean = shape.Single(c => c.Name == "Mean");
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, mean.Kind);
    }

    [TestMethod]
    public void TransformIsLazyAndScoresOneBatchAtATime()
    {
        var ml = new MLContext(1);
        var pool = Pool(ml, [.. Enumerable.Range(0, 10).Select(i => i / 10f)]);
        var strategy = new FirstClassStrategy();
        var scorer = ml.ActiveLearning().ScoreAcquisition(CopyLearner(ml, pool), strategy, batchSize: 4).Fit(pool);

        var scored = scorer.Transform(pool);
        Assert.AreEqual(0, strategy.Batches, "Transform scores nothing");
        using var cursor = scored.GetRowCursor(scored.Schema);
        Assert.AreEqual(0, strategy.Batches, "opening a cursor scores nothing");
        Assert.IsTrue(cursor.MoveNext());
        Assert.AreEqual(1, strategy.Batches, "the first row scores the first batch of 4");
        for (int i = 0; i < 3; i++) Assert.IsTrue(cursor.MoveNext());
        Assert.AreEqual(1, strategy.Batches);
        Assert.IsTrue(cursor.MoveNext());
        Assert.AreEqual(2, strategy.Batches, "row 5 needs the second batch");
    }

    [TestMethod]
    public void ScoresRowIdsAndPoolColumnsLineUpRowByRow()
    {
        var ml = new MLContext(1);
        var pool = Pool(ml, Five);
        var options = new AcquisitionScorerOptions { Strategy = new FirstClassStrategy(), BatchSize = 2, MeanProbabilitiesColumnName = "Mean" };
        var scored = ml.ActiveLearning().ScoreAcquisition(CopyLearner(ml, pool), options).Fit(pool).Transform(pool);

        var acquisition = scored.GetColumn<float>("Acquisition").ToArray();
        var rowIds = scored.GetColumn<long>("RowId").ToArray();
        var userIds = scored.GetColumn<long>("UserId").ToArray();
        var mean = scored.GetColumn<float[]>("Mean").ToArray();
        // FirstClass scores a row by p(class 0), which is the pool's own first value.
        CollectionAssert.AreEqual(Five, acquisition);
        CollectionAssert.AreEqual(new long[] { 0, 1, 2, 3, 4 }, rowIds);
        CollectionAssert.AreEqual(new long[] { 1000, 1001, 1002, 1003, 1004 }, userIds);
        Assert.AreEqual(0.7f, mean[3][0], 1e-6f);
        Assert.AreEqual(0.3f, mean[3][1], 1e-6f);
    }

    [TestMethod]
    public void WorksAfterAFeaturizerAndAnyMulticlassTrainer()
    {
        var ml = new MLContext(3);
        var rows = Enumerable.Range(0, 60).Select(i => new Labelled { X = i % 3 * 2 + (i % 7) / 10f, Y = i % 3 * -1f, Label = (i % 3).ToString() }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var learner = ml.Transforms.Concatenate("Features", "X", "Y")
            .Append(ml.Transforms.NormalizeMinMax("Features"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy())
            .Fit(data);
        var scored = ml.ActiveLearning().ScoreAcquisition(learner, new FirstClassStrategy()).Fit(data).Transform(data);

        var direct = learner.Transform(data).GetColumn<float[]>("Score").Select(s => s[0]).ToArray();
        CollectionAssert.AreEqual(direct, scored.GetColumn<float>("Acquisition").ToArray());
    }

    [TestMethod]
    public void BinaryCalibratedLearnerBecomesTwoClasses()
    {
        var ml = new MLContext(3);
        var rows = Enumerable.Range(0, 40).Select(i => new Binary { X = i, Label = i >= 20 }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var learner = ml.Transforms.Concatenate("Features", "X").Append(ml.Transforms.NormalizeMinMax("Features"))
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression()).Fit(data);
        var scored = ml.ActiveLearning().ScoreAcquisition(learner, new FirstClassStrategy()).Fit(data).Transform(data);

        // Class 0 is "false": p0 = 1 − Probability.
        var probability = learner.Transform(data).GetColumn<float>("Probability").ToArray();
        var acquisition = scored.GetColumn<float>("Acquisition").ToArray();
        for (int i = 0; i < rows.Count; i++) Assert.AreEqual(1 - probability[i], acquisition[i], 1e-6f);
    }

    [TestMethod]
    public void LearnerWithoutProbabilitiesIsRefusedWithTheColumnNamed()
    {
        var ml = new MLContext(1);
        var pool = Pool(ml, Five);
        var notALearner = ml.Transforms.CopyColumns("Other", "P").Fit(pool);
        var error = Assert.ThrowsExactly<ArgumentException>(() =>
            ml.ActiveLearning().ScoreAcquisition(notALearner, new FirstClassStrategy()).Fit(pool));
        StringAssert.Contains(error.Message, "'Score' column");
    }

    [TestMethod]
    public void MissingOrNonIntegerIdColumnIsNamed()
    {
        var ml = new MLContext(1);
        var pool = Pool(ml, Five);
        var learner = CopyLearner(ml, pool);
        var missing = Assert.ThrowsExactly<ArgumentException>(() => ml.ActiveLearning()
            .ScoreAcquisition(learner, new AcquisitionScorerOptions { Strategy = new FirstClassStrategy(), IdColumnName = "Nope" }).Fit(pool));
        StringAssert.Contains(missing.Message, "'Nope'");
        var vector = Assert.ThrowsExactly<ArgumentException>(() => ml.ActiveLearning()
            .ScoreAcquisition(learner, new AcquisitionScorerOptions { Strategy = new FirstClassStrategy(), IdColumnName = "P" }).Fit(pool));
        StringAssert.Contains(vector.Message, "'P' must hold integers");
    }

    [TestMethod]
    public void BadOptionsAreRefusedByName()
    {
        var ml = new MLContext(1);
        var pool = Pool(ml, Five);
        var learner = CopyLearner(ml, pool);
        var batch = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.ActiveLearning().ScoreAcquisition(learner, new FirstClassStrategy(), batchSize: 0));
        StringAssert.Contains(batch.Message, "BatchSize");
        var strategy = Assert.ThrowsExactly<ArgumentException>(() =>
            ml.ActiveLearning().ScoreAcquisition(learner, new AcquisitionScorerOptions { Strategy = null }));
        StringAssert.Contains(strategy.Message, "Strategy must be set");
    }

    [TestMethod]
    public void TextFilePoolIsStreamedFromDisk()
    {
        var ml = new MLContext(1);
        string path = Path.GetTempFileName();
        try
        {
            // 1,000 rows: p0 = (i mod 100) / 100, so the best are rows 99, 199, ..., 999 (p0 = 0.99).
            File.WriteAllLines(path, Enumerable.Range(0, 1000).Select(i => $"{i},{i % 100 / 100f:R},{1 - (i % 100 / 100f):R}"));
            var pool = ml.Data.LoadFromTextFile(path, [
                new TextLoader.Column("UserId", DataKind.Int64, 0),
                new TextLoader.Column("P", DataKind.Single, 1, 2),
            ], separatorChar: ',');
            var scored = ml.ActiveLearning().ScoreAcquisition(CopyLearner(ml, pool), new FirstClassStrategy(), batchSize: 64).Fit(pool).Transform(pool);
            var selection = ml.ActiveLearning().SelectTopK(scored, 10);
            CollectionAssert.AreEqual(Enumerable.Range(0, 10).Select(i => 99L + (100 * i)).ToArray(), selection.RowIds.ToArray());
            Assert.AreEqual(1000L, selection.UnlabelledRows);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void RandomRunsNoInferenceAndSelectsTheSameRows()
    {
        var ml = new MLContext(1);
        var pool = Pool(ml, [.. Enumerable.Range(0, 40).Select(i => i / 40f)]);
        var random = AcquisitionStrategy.SeededRandom(seed: 7);
        // Random's scores hash (seed, row id) and ignore the probabilities, so the copy learner's
        // predictions (read by inference) and none at all must pick the same rows.
        var withInference = ml.ActiveLearning().SelectTopK(
            ml.ActiveLearning().ScoreAcquisition(CopyLearner(ml, pool), random, batchSize: 16).Fit(pool).Transform(pool), 5);
        using var session = ml.ActiveLearning().ScoreAcquisition(new LearnerThatMustNotRun(), random, InferenceMode.McDropout(20), batchSize: 16)
            .Fit(pool).Score(pool);
        var withoutInference = ml.ActiveLearning().SelectTopK(session, 5);
        CollectionAssert.AreEqual(withInference.RowIds.ToArray(), withoutInference.RowIds.ToArray());
        CollectionAssert.AreEqual(withInference.Scores.ToArray(), withoutInference.Scores.ToArray());
    }

    [TestMethod]
    public void ProbabilityToleranceDecidesWhichRowSumsAreScoredAfterRescalingAndWhichAreRefused()
    {
        var ml = new MLContext(1);
        // Row 1001 sums to 1.01: off by more than the default tolerance (1e-3), within 0.02.
        var pool = ml.Data.LoadFromEnumerable(new[]
        {
            new Row { UserId = 1000, P = [0.9f, 0.1f] },
            new Row { UserId = 1001, P = [0.6f, 0.41f] },
        });
        IDataView Scored(double tolerance) => ml.ActiveLearning().ScoreAcquisition(CopyLearner(ml, pool), new AcquisitionScorerOptions
        {
            Strategy = AcquisitionStrategy.Entropy,
            IdColumnName = "UserId",
            ProbabilityTolerance = tolerance,
        }).Fit(pool).Transform(pool);

        var refused = Assert.ThrowsExactly<ArgumentException>(() => Scored(1e-3).GetColumn<float>("Acquisition").ToArray());
        StringAssert.Contains(refused.Message, "Row 1001: probabilities in pass 0 sum to 1.0100000");
        StringAssert.Contains(refused.Message, "AcquisitionScorerOptions.ProbabilityTolerance");

        var entropy = Scored(0.02).GetColumn<float>("Acquisition").ToArray();
        // Row 1000: H(0.9, 0.1) = −(0.9 ln 0.9 + 0.1 ln 0.1) = 0.325083.
        // Row 1001 rescaled to (0.6, 0.41) / 1.01 = (0.594059, 0.405941): H = 0.675347.
        Assert.AreEqual(0.325083f, entropy[0], 1e-5f);
        Assert.AreEqual(0.675347f, entropy[1], 1e-5f);

        var negative = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Scored(-1));
        StringAssert.Contains(negative.Message, "ProbabilityTolerance");
    }

    /// <summary>A learner whose every use is an error.</summary>
    private sealed class LearnerThatMustNotRun : ITransformer
    {
        public bool IsRowToRowMapper => false;

        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => throw new InvalidOperationException("The learner ran.");

        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new InvalidOperationException("The learner ran.");

        public IDataView Transform(IDataView input) => throw new InvalidOperationException("The learner ran.");

        public void Save(ModelSaveContext ctx) => throw new InvalidOperationException("The learner ran.");
    }

    private sealed class Labelled
    {
        public float X { get; set; }

        public float Y { get; set; }

        public string Label { get; set; } = "";
    }

    private sealed class Binary
    {
        public float X { get; set; }

        public bool Label { get; set; }
    }
}
