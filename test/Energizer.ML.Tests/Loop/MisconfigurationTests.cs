using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Loop;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Loop;

/// <summary>Silent misconfigurations a new user makes are refused, with what to do instead.</summary>
[TestClass]
public sealed class MisconfigurationTests
{
    private static IEstimator<ITransformer> Logistic(MLContext ml) => TestLearners.MappedLogistic(ml);

    [TestMethod]
    public void AMultiPassStrategyWithOnePassIsRefusedAtTheTrainersConstruction()
    {
        var ml = new MLContext(0);
        foreach (var (strategy, inference) in new[]
        {
            (AcquisitionStrategy.Bald, InferenceMode.Deterministic),
            ((AcquisitionStrategy)AcquisitionStrategy.VariationRatios, InferenceMode.McDropout(iterations: 1)),
            (AcquisitionStrategy.Combine((AcquisitionStrategy.Entropy, 1), (AcquisitionStrategy.Bald, 1)), InferenceMode.Deterministic),
            (AcquisitionStrategy.PowerBald(), InferenceMode.Deterministic),
        })
        {
            var error = Assert.Throws<ArgumentException>(() => ml.ActiveLearning().Trainer(new ActiveLearningOptions { Strategy = strategy, Inference = inference }));
            StringAssert.Contains(error.Message, $"ActiveLearningOptions.Strategy {strategy.Name} needs several probability vectors per row (T > 1)");
            StringAssert.Contains(error.Message, $"ActiveLearningOptions.Inference {inference.Name} gives one");
            StringAssert.Contains(error.Message, "InferenceMode.McDropout(iterations: 20)");
        }
        // T > 1, or an ensemble whose T is its member count, is accepted; single-pass strategies take any mode.
        _ = ml.ActiveLearning().Trainer(new ActiveLearningOptions { Strategy = AcquisitionStrategy.Bald, Inference = InferenceMode.McDropout(iterations: 2) });
        _ = ml.ActiveLearning().Trainer(new ActiveLearningOptions { Strategy = AcquisitionStrategy.VoteEntropy, Inference = InferenceMode.Ensemble() });
        _ = ml.ActiveLearning().Trainer(new ActiveLearningOptions { Strategy = AcquisitionStrategy.Entropy, Inference = InferenceMode.Deterministic });
    }

    [TestMethod]
    public void AMultiPassStrategyWithOnePassIsRefusedByScoreAcquisition()
    {
        var ml = new MLContext(0);
        var (pool, _) = Digits.Split(ml);
        var model = Logistic(ml).Fit(pool);
        var error = Assert.Throws<ArgumentException>(() => ml.ActiveLearning().ScoreAcquisition(model, AcquisitionStrategy.Bald));
        StringAssert.Contains(error.Message, "AcquisitionScorerOptions.Strategy BALD needs several probability vectors per row");
        Assert.AreEqual("options", error.ParamName);
    }

    private sealed class Point
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }

    private static IDataView Points(MLContext ml) => ml.Data.LoadFromEnumerable(Enumerable.Range(0, 60).Select(i =>
    {
        float x = (i * 37 % 60) / 60f, y = (i * 11 % 60) / 60f;
        return new Point { Features = [x, y], Label = x + y > 1 };
    }).ToList());

    [TestMethod]
    public void AnUncalibratedBinaryTrainerIsRefusedWithHowToCalibrateIt()
    {
        var ml = new MLContext(0);
        var options = new ActiveLearningOptions { Strategy = AcquisitionStrategy.Margin, QuerySize = 5, MaxRounds = 1, Seed = 1 };
        var svm = ml.BinaryClassification.Trainers.LinearSvm(numberOfIterations: 5);
        var error = Assert.Throws<ArgumentException>(() => ml.ActiveLearning().Trainer(options).Fit(svm, Points(ml), Oracles.FromLabelColumn("Label")));
        StringAssert.Contains(error.Message, "uncalibrated binary trainer");
        StringAssert.Contains(error.Message, "mlContext.BinaryClassification.Calibrators.Platt()");
        // Following the message: the calibrated trainer runs and queries.
        var calibrated = svm.Append(ml.BinaryClassification.Calibrators.Platt());
        var result = ml.ActiveLearning().Trainer(options).Fit(calibrated, Points(ml), Oracles.FromLabelColumn("Label"));
        Assert.AreEqual(5, result.Rounds[0].SelectedRowIds.Count);
    }

    [TestMethod]
    public void RandomAsAPropertyTakesTheLoopsSeed()
    {
        static IReadOnlyList<long> FirstQuery(AcquisitionStrategy strategy, int seed)
        {
            var ml = new MLContext(seed);
            var (pool, _) = Digits.Split(ml);
            var options = new ActiveLearningOptions { Strategy = strategy, QuerySize = 10, MaxRounds = 1, Seed = seed };
            return ml.ActiveLearning().Trainer(options).Fit(Logistic(ml), pool, Oracles.FromLabelColumn()).Rounds[0].SelectedRowIds;
        }
        var seeded3 = FirstQuery(AcquisitionStrategy.Random, 3);
        CollectionAssert.AreEqual(FirstQuery(AcquisitionStrategy.SeededRandom(3), 3).ToArray(), seeded3.ToArray());
        CollectionAssert.AreNotEqual(FirstQuery(AcquisitionStrategy.Random, 4).ToArray(), seeded3.ToArray());
        Assert.IsNull(AcquisitionStrategy.Random.Seed);
    }

    [TestMethod]
    public void LabelsComeBackTypedAndQueryTimesLeaveTheFinalFitOut()
    {
        var ml = new MLContext(0);
        var (pool, test) = Digits.Split(ml);
        var options = new ActiveLearningOptions { Strategy = AcquisitionStrategy.Margin, QuerySize = 10, MaxRounds = 2, Seed = 1 };
        var result = ml.ActiveLearning().Trainer(options).Fit(Logistic(ml), pool, Oracles.FromLabelColumn(), test);
        // The pool's label column is a key of 10 digits: raw keys 1-10 (digit d is key d + 1).
        var labels = result.GetLabels<uint>();
        Assert.AreEqual(30, labels.Count);
        var truth = pool.GetColumn<uint>("Label").ToArray();
        foreach (var (id, key) in labels) Assert.AreEqual(truth[id], key, $"row {id}");
        var error = Assert.Throws<InvalidCastException>(() => result.GetLabels<string>());
        StringAssert.Contains(error.Message, "call GetLabels<UInt32>()");

        // Rounds 0 and 1 queried, round 2 is the final fit: the mean query time is theirs alone.
        CollectionAssert.AreEqual(new[] { true, true, false }, result.Rounds.Select(r => r.Queried).ToArray());
        Assert.AreEqual((result.Rounds[0].QuerySeconds + result.Rounds[1].QuerySeconds) / 2, result.MeanQuerySeconds, 1e-12);
        foreach (var round in result.Rounds.Take(2))
        {
            Assert.IsTrue(round.ScoringSeconds > 0, "the scan over the pool takes time");
            Assert.AreEqual(0, round.SelectionSeconds, "Margin picks nothing jointly: no pick time");
            Assert.IsTrue(round.ScoringSeconds <= round.QuerySeconds, "the scan is part of the query");
        }
    }
}
