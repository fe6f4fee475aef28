using Energizer.ML.Acquisition;
using Energizer.ML.Loop;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Loop;

[TestClass]
public sealed class MissingLabelTests
{
    private sealed class Row
    {
        [VectorType(1)]
        public float[] Features { get; set; } = [];

        public string Label { get; set; } = "";

        public float Score { get; set; }
    }

    [TestMethod]
    public void AnOracleAnswerThatIsAMissingValueIsRejectedAndTheRowIsNotAskedAgain()
    {
        // Rows 3 and 5 have an empty label: the ground-truth column cannot label them.
        var ml = new MLContext(0);
        var rows = Enumerable.Range(0, 12).Select(i => new Row
        {
            Features = [i],
            Label = i is 3 or 5 ? "" : i < 6 ? "low" : "high",
        }).ToList();
        var pool = ml.Data.LoadFromEnumerable(rows);
        var result = ml.ActiveLearning().Trainer(new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.SeededRandom(1),
            InitialRowIds = [0, 3, 11],
            QuerySize = 2,
            MaxRounds = 20,
        }).Fit(TestLearners.MappedLogistic(ml),
            pool, Oracles.FromLabelColumn("Label"));

        // Row 3 (initial) is rejected and never asked again; row 5 is rejected once when a query
        // draws it, then never asked again either; the other 10 rows end up labelled and the pool
        // counts as exhausted (the loop does not keep asking for labels that cannot come).
        Assert.AreEqual(2, result.Rounds[0].LabelledCount, "rows 0 and 11");
        CollectionAssert.AreEquivalent(new long[] { 0, 1, 2, 4, 6, 7, 8, 9, 10, 11 }, result.Labels.Keys.ToArray());
        Assert.AreEqual(1, result.Rounds.Sum(r => r.SelectedRowIds.Count(id => id == 5)), "row 5 is asked once");
        Assert.IsFalse(result.Rounds.Any(r => r.SelectedRowIds.Contains(3)), "row 3 is never queried after its initial rejection");
        var rejected = result.Rounds.Single(r => r.SelectedRowIds.Contains(5));
        CollectionAssert.AreEqual(new[] { 5L }, rejected.UnlabelledRowIds.ToArray());
        StringAssert.Contains(rejected.Rejections.Single(), "Row 5: the label '' is a missing value");
        StringAssert.Contains(rejected.Rejections.Single(), "in column 'Label'; the row stays unlabelled");
        StringAssert.Contains(result.StopReason, "the pool is exhausted");
    }
}
