using Energizer.ML.Acquisition;
using Energizer.ML.Loop;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Loop;

/// <summary>The loop with a calibrated binary trainer: a Boolean label, a Probability column.</summary>
[TestClass]
public sealed class BinaryLearnerTests
{
    private sealed class Point
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }

    /// <summary>Weak regularization, one thread: with ML.NET's default a handful of rows in [0, 1]² give a flat model.</summary>
    private static IEstimator<ITransformer> Logistic(MLContext ml) => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(
        new Microsoft.ML.Trainers.LbfgsLogisticRegressionBinaryTrainer.Options { L1Regularization = 0, L2Regularization = 0.001f, NumberOfThreads = 1 });

    /// <summary>Two noisy clusters, labelled by which side of x + y = 1 they fall.</summary>
    private static IDataView Points(MLContext ml, int count, int seed)
    {
        var random = new Random(seed);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, count).Select(_ =>
        {
            float x = (float)random.NextDouble(), y = (float)random.NextDouble();
            return new Point { Features = [x, y], Label = x + y > 1 };
        }).ToList());
    }

    /// <summary>The learner fitted outside the loop on the rows labelled before <paramref name="round"/>'s fit, in pool order as the loop reads them.</summary>
    private static ITransformer Refit(MLContext ml, IDataView pool, ActiveLearningResult result, int round)
    {
        var ids = result.LabelledBefore(round).ToHashSet();
        var rows = ml.Data.CreateEnumerable<Point>(pool, reuseRowObject: false).Where((_, i) => ids.Contains(i)).ToList();
        return Logistic(ml).Fit(ml.Data.LoadFromEnumerable(rows));
    }

    [TestMethod]
    public void MarginWithABinaryLearnerQueriesNearTheBoundaryAndIsEvaluated()
    {
        var ml = new MLContext(0);
        var pool = Points(ml, 200, 1);
        var test = Points(ml, 100, 2);
        var result = ml.ActiveLearning().Trainer(new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.Margin,
            InitialLabelledCount = 10,
            QuerySize = 5,
            MaxRounds = 3,
            Seed = 1,
        }).Fit(Logistic(ml), pool, Oracles.FromLabelColumn("Label"), test);

        CollectionAssert.AreEqual(new[] { 10, 15, 20, 25 }, result.Rounds.Select(r => r.LabelledCount).ToArray());
        // Each round's metrics are those of the learner fitted outside the loop on that round's rows, counted on the test set.
        var truth = test.GetColumn<bool>("Label").ToArray();
        foreach (var round in result.Rounds)
        {
            var predicted = Refit(ml, pool, result, round.Round).Transform(test).GetColumn<bool>("PredictedLabel").ToArray();
            int truePositives = truth.Where((t, i) => t && predicted[i]).Count(), trueNegatives = truth.Where((t, i) => !t && !predicted[i]).Count();
            int positives = truth.Count(t => t);
            Assert.AreEqual((truePositives + trueNegatives) / 100.0, round.Metrics!.MicroAccuracy, 1e-12, $"round {round.Round}");
            Assert.AreEqual(((double)truePositives / positives + ((double)trueNegatives / (100 - positives))) / 2, round.Metrics.MacroAccuracy, 1e-12, $"round {round.Round}");
        }
        // Margin picks rows the model is unsure of: closer to the boundary than the pool's rows on average.
        var features = pool.GetColumn<float[]>("Features").ToArray();
        double Distance(long id) => Math.Abs(features[id][0] + features[id][1] - 1);
        double selected = result.Rounds.Take(3).SelectMany(r => r.SelectedRowIds).Average(Distance);
        double all = Enumerable.Range(0, 200).Average(i => Distance(i));
        Assert.IsLessThan(all / 2, selected, $"selected rows lie {selected:F3} from the boundary, the pool {all:F3}");
    }

    [TestMethod]
    public void StabilizingPredictionsReadsBooleanPredictions()
    {
        var ml = new MLContext(0);
        var options = new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.Margin,
            InitialLabelledCount = 10,
            QuerySize = 10,
            MaxRounds = 15,
            Seed = 2,
        };
        options.StoppingCriteria.Add(StoppingCriterion.StabilizingPredictions(threshold: 0.95, window: 2, stopSetSize: 300));
        var pool = Points(ml, 300, 3);
        var result = ml.ActiveLearning().Trainer(options).Fit(Logistic(ml), pool, Oracles.FromLabelColumn("Label"));
        // Kappa needs a previous round's predictions: none in round 0. After, it is Cohen's kappa of the
        // predictions of this round's and the previous round's learners (fitted again outside the loop) on
        // the stop set, here the whole pool: κ = (p_o − p_e)/(1 − p_e), p_e = Σ_c p_prev(c)·p_this(c).
        Assert.IsNull(result.Rounds[0].StopSetKappa);
        var predictions = result.Rounds.Select(r => Refit(ml, pool, result, r.Round).Transform(pool).GetColumn<bool>("PredictedLabel").ToArray()).ToArray();
        var kappas = new double[result.Rounds.Count];
        for (int round = 1; round < result.Rounds.Count; round++)
        {
            bool[] before = predictions[round - 1], now = predictions[round];
            double agree = before.Zip(now).Count(p => p.First == p.Second) / 300.0;
            double positiveBefore = before.Count(p => p) / 300.0, positiveNow = now.Count(p => p) / 300.0;
            double chance = (positiveBefore * positiveNow) + ((1 - positiveBefore) * (1 - positiveNow));
            kappas[round] = (agree - chance) / (1 - chance);
            Assert.AreEqual(kappas[round], result.Rounds[round].StopSetKappa!.Value, 1e-12, $"round {round}");
        }
        Assert.IsTrue(kappas.Skip(1).Any(k => k < 1), "the predictions changed at least once, so the check above saw a kappa below 1");
        // The loop stops at the first round whose kappa and the previous one's average at least 0.95 (window 2).
        int stop = Enumerable.Range(2, result.Rounds.Count - 2).First(r => (kappas[r - 1] + kappas[r]) / 2 >= 0.95);
        Assert.AreEqual(stop, result.Rounds[^1].Round);
        Assert.IsLessThan(15, stop, "the predictions settle before the last allowed round");
        StringAssert.Contains(result.Rounds[^1].StopReason, "Stabilizing");
    }
}
