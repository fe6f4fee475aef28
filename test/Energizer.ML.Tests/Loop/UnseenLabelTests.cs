using Energizer.ML.Acquisition;
using Energizer.ML.Loop;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Loop;

[TestClass]
public sealed class UnseenLabelTests
{
    private sealed class Row
    {
        [VectorType(1)]
        public float[] Features { get; set; } = [];

        public string Label { get; set; } = "";
    }

    /// <summary>Row i is class a, b or c (i mod 3) at 0, 10 or 20 on the line, a little noise.</summary>
    private static IDataView Line(MLContext ml, int count, int seed)
    {
        var random = new Random(seed);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, count).Select(i => new Row
        {
            Features = [(10 * (i % 3)) + (float)random.NextDouble()],
            Label = ((char)('a' + (i % 3))).ToString(),
        }).ToList());
    }

    [TestMethod]
    public void EvaluationRowsOfClassesNotYetLabelledCountAsErrors()
    {
        // The initial rows are a's and b's only (ids 0, 1, 3, 4), so round 0's model maps "c" to the
        // missing key: ML.NET's evaluator would leave the 10 c-rows of the 30 test rows out and report
        // 20/20 = 1. Counted as errors: micro accuracy 20/30 = 2/3; macro (1 + 1 + 0)/3 = 2/3.
        var ml = new MLContext(0);
        var result = ml.ActiveLearning().Trainer(new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.SeededRandom(3),
            InitialRowIds = [0, 1, 3, 4],
            QuerySize = 26,
            MaxRounds = 1,
        }).Fit(TestLearners.MappedLogistic(ml, l2: 0.001f), Line(ml, 30, 1), Oracles.FromLabelColumn("Label"), Line(ml, 30, 2));

        var first = result.Rounds[0].Metrics!;
        Assert.AreEqual(10, first.UnseenLabelRows);
        Assert.AreEqual(2.0 / 3, first.MicroAccuracy, 1e-9);
        Assert.AreEqual(2.0 / 3, first.MacroAccuracy, 1e-9);
        // After the query every row is labelled, c's included: nothing is left out any more.
        var last = result.Rounds[^1].Metrics!;
        Assert.AreEqual(0, last.UnseenLabelRows);
        Assert.AreEqual(1.0, last.MicroAccuracy, 1e-9);
    }
}
