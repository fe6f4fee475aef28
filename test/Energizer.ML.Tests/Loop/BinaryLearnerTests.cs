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
        foreach (var round in result.Rounds)
            Assert.IsTrue(round.Metrics is { MicroAccuracy: > 0.7 and <= 1, MacroAccuracy: > 0.6 and <= 1 }, $"round {round.Round}: {round.Metrics}");
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
        options.StoppingCriteria.Add(StoppingCriterion.StabilizingPredictions(threshold: 0.95, window: 2, stopSetSize: 100));
        var result = ml.ActiveLearning().Trainer(options).Fit(Logistic(ml), Points(ml, 300, 3), Oracles.FromLabelColumn("Label"));
        // Kappa needs a previous round's predictions: none in round 0, a value in [-1, 1] after.
        Assert.IsNull(result.Rounds[0].StopSetKappa);
        Assert.IsTrue(result.Rounds.Skip(1).All(r => r.StopSetKappa is >= -1 and <= 1));
        Assert.IsLessThan(15, result.Rounds[^1].Round, "the predictions settle before the last allowed round");
        StringAssert.Contains(result.Rounds[^1].StopReason, "Stabilizing");
    }
}
