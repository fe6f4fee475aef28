using Energizer.ML.Loop;

namespace Energizer.ML.Tests.Loop;

[TestClass]
public sealed class LearningCurveSummaryTests
{
    // Round 0 (the initial fit) on 10 labels: 0.5; round 1 on 20: 0.7; round 2 on 40: 0.8; a round
    // without metrics is ignored by every summary.
    private static readonly List<RoundReport> Rounds =
    [
        new() { Round = 0, LabelledCount = 10, Metrics = new RoundMetrics(0.5, 0.5, 1) },
        new() { Round = 1, LabelledCount = 20, Metrics = new RoundMetrics(0.7, 0.7, 1) },
        new() { Round = 2, LabelledCount = 30 },
        new() { Round = 3, LabelledCount = 40, Metrics = new RoundMetrics(0.8, 0.8, 1) },
    ];

    [TestMethod]
    [DataRow(LearningCurveSummary.MeanAccuracy, 2.0 / 3)]             // (0.5 + 0.7 + 0.8) / 3
    [DataRow(LearningCurveSummary.MeanAccuracyAfterInitial, 0.75)]     // (0.7 + 0.8) / 2
    [DataRow(LearningCurveSummary.TrapezoidArea, 0.7)]                 // (10·0.6 + 20·0.75) / 30 = 21/30
    [DataRow(LearningCurveSummary.TrapezoidAreaAfterInitial, 0.75)]    // 20·0.75 / 20
    public void EachSummaryByHand(LearningCurveSummary summary, double expected)
    {
        Assert.AreEqual(expected, LearningCurve.Summarize(Rounds, summary), 1e-12);
    }

    [TestMethod]
    public void TooFewPointsGiveNaNAndAnUnknownSummaryIsRefused()
    {
        var initialOnly = Rounds.Take(1).ToList();
        Assert.AreEqual(0.5, LearningCurve.Summarize(initialOnly, LearningCurveSummary.MeanAccuracy), 1e-12);
        Assert.IsTrue(double.IsNaN(LearningCurve.Summarize(initialOnly, LearningCurveSummary.MeanAccuracyAfterInitial)));
        Assert.IsTrue(double.IsNaN(LearningCurve.Summarize(initialOnly, LearningCurveSummary.TrapezoidArea)));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => LearningCurve.Summarize(Rounds, (LearningCurveSummary)9));
        Assert.AreEqual("summary", error.ParamName);
    }
}
