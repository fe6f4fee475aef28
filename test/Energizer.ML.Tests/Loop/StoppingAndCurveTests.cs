using Energizer.ML.Acquisition;
using Energizer.ML.Loop;
using Microsoft.ML;

namespace Energizer.ML.Tests.Loop;

[TestClass]
public sealed class StoppingAndCurveTests
{
    [TestMethod]
    public void CohensKappaMatchesAHandComputation()
    {
        // a = [0,0,1,1,2,2], b = [0,1,1,1,2,0]: observed agreement 4/6.
        // Marginals: a has 2/6 of each class; b has 0:2/6, 1:3/6, 2:1/6.
        // Chance agreement = (2/6)(2/6) + (2/6)(3/6) + (2/6)(1/6) = (4 + 6 + 2)/36 = 1/3.
        // kappa = (2/3 − 1/3) / (1 − 1/3) = 0.5.
        Assert.AreEqual(0.5, CohensKappa.Of([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 0]), 1e-12);
        Assert.AreEqual(1.0, CohensKappa.Of([3, 3, 3], [3, 3, 3]), 1e-12);
        Assert.AreEqual(1.0, CohensKappa.Of([0, 1, 2], [0, 1, 2]), 1e-12);
    }

    [TestMethod]
    public void AreaUnderTheLearningCurveIsTheNormalisedTrapezoid()
    {
        // Counts 10, 20, 40 with accuracies 0.5, 0.7, 0.8:
        // (10·(0.5+0.7)/2 + 20·(0.7+0.8)/2) / (40 − 10) = (6 + 15) / 30 = 0.7.
        var rounds = new[] { (10, 0.5), (20, 0.7), (40, 0.8) }
            .Select((p, i) => new RoundReport { Round = i, LabelledCount = p.Item1, Metrics = new RoundMetrics(p.Item2, p.Item2, 1) }).ToList();
        Assert.AreEqual(0.7, LearningCurve.Area(rounds), 1e-12);
        Assert.IsTrue(double.IsNaN(LearningCurve.Area(rounds.Take(1).ToList())));
    }

    private static RoundReport Validation(int round, double accuracy) =>
        new() { Round = round, ValidationMetrics = new RoundMetrics(accuracy, accuracy, 0) };

    [TestMethod]
    public void MetricPlateauFiresWhenThePatienceRunsOut()
    {
        var plateau = StoppingCriterion.MetricPlateau(patience: 2, minDelta: 0.01);
        // Best before the last two rounds is 0.80; the last two reach 0.805 at most: +0.005 ≤ 0.01 → stop.
        Assert.IsNotNull(plateau.Check([Validation(0, 0.7), Validation(1, 0.8), Validation(2, 0.805), Validation(3, 0.79)]));
        // 0.82 improves on 0.80 by 0.02 > 0.01 → go on.
        Assert.IsNull(plateau.Check([Validation(0, 0.7), Validation(1, 0.8), Validation(2, 0.82), Validation(3, 0.79)]));
        Assert.IsNull(plateau.Check([Validation(0, 0.7), Validation(1, 0.8)]), "too few rounds to judge");
    }

    [TestMethod]
    public void StabilizingPredictionsAveragesTheLastKappas()
    {
        var stable = StoppingCriterion.StabilizingPredictions(threshold: 0.9, window: 2);
        RoundReport K(double? kappa) => new() { StopSetKappa = kappa };
        Assert.IsNull(stable.Check([K(null), K(0.95)]), "one kappa is not a window of two");
        Assert.IsNotNull(stable.Check([K(null), K(0.7), K(0.95), K(0.9)]));  // (0.95 + 0.9)/2 = 0.925 ≥ 0.9
        Assert.IsNull(stable.Check([K(null), K(0.95), K(0.84)]));            // (0.95 + 0.84)/2 = 0.895 < 0.9
    }

    [TestMethod]
    public void UncertaintyBelowLooksAtTheRowsJustSelected()
    {
        var low = StoppingCriterion.UncertaintyBelow(0.2);
        Assert.IsNotNull(low.Check([new RoundReport { SelectedScores = [0.1f, 0.2f] }]));  // mean 0.15
        Assert.IsNull(low.Check([new RoundReport { SelectedScores = [0.1f, 0.4f] }]));     // mean 0.25
    }

    [TestMethod]
    public void CriteriaStopTheLoopBeforeAnyLabelIsWasted()
    {
        var ml = new MLContext(0);
        var (pool, test) = Digits.Split(ml);
        var options = new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.Margin,
            QuerySize = 10,
            MaxRounds = 40,
            ValidationFraction = 0.3,
            Seed = 2,
        };
        options.StoppingCriteria.Add(StoppingCriterion.StabilizingPredictions(threshold: 0.9, window: 2, stopSetSize: 200));
        options.StoppingCriteria.Add(StoppingCriterion.MetricPlateau(patience: 4));
        var result = ml.ActiveLearning().Trainer(options).Fit(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(), pool, Oracles.FromLabelColumn(), test);
        Assert.IsTrue(result.Rounds.Count < 41, "a criterion fired before 40 rounds");
        var last = result.Rounds[^1];
        Assert.IsTrue(last.StopReason!.StartsWith("StabilizingPredictions", StringComparison.Ordinal) || last.StopReason.StartsWith("MetricPlateau", StringComparison.Ordinal), last.StopReason);
        Assert.AreEqual(0, last.SelectedRowIds.Count, "the stopping round labels nothing");
        Assert.AreEqual(last.LabelledCount, result.Labels.Count);
        Assert.IsTrue(result.Rounds.Skip(1).All(r => r.StopSetKappa is not null && r.ValidationMetrics is not null));
    }
}
