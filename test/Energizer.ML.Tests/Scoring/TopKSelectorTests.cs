using CsCheck;
using Energizer.ML.Scoring;
using Microsoft.ML;
using static Energizer.ML.Tests.Scoring.PoolFixtures;

namespace Energizer.ML.Tests.Scoring;

[TestClass]
public sealed class TopKSelectorTests
{
    /// <summary>The reference: drop labelled rows, sort by score descending then id ascending, take k.</summary>
    private static long[] FullSort(IReadOnlyList<float> scores, IReadOnlySet<long> labelled, int k) =>
        [.. Enumerable.Range(0, scores.Count).Where(i => !labelled.Contains(i))
            .OrderByDescending(i => scores[i]).ThenBy(i => i).Take(k).Select(i => (long)i)];

    private static IDataView Scored(MLContext ml, IReadOnlyList<float> firstClass, int batchSize)
    {
        var pool = Pool(ml, firstClass);
        return ml.ActiveLearning().ScoreAcquisition(CopyLearner(ml, pool), new FirstClassStrategy(), batchSize: batchSize).Fit(pool).Transform(pool);
    }

    [TestMethod]
    public void StreamingTopKEqualsAFullSortWithTiesLabelledRowsAndPartitions()
    {
        // Scores from {0, 0.25, 0.5, 0.75, 1} force many ties; labelled rows, k, batch size and
        // partition count vary. Every combination must equal the full sort exactly.
        var gen =
            from n in Gen.Int[1, 120]
            from levels in Gen.Int[0, 4].Array[n]
            from labelledMask in Gen.Bool.Array[n]
            from k in Gen.Int[1, n + 3]
            from batch in Gen.Int[1, 40]
            from partitions in Gen.Int[1, 3]
            select (levels, labelledMask, k, batch, partitions);
        gen.Sample(t =>
        {
            var ml = new MLContext(0);
            float[] scores = [.. t.levels.Select(l => l / 4f)];
            var labelled = new HashSet<long>(Enumerable.Range(0, scores.Length).Where(i => t.labelledMask[i]).Select(i => (long)i));
            var selection = TopKSelector.Select(Scored(ml, scores, t.batch), t.k,
                new SelectionOptions { Labelled = labelled, Partitions = t.partitions });
            var expected = FullSort(scores, labelled, t.k);
            CollectionAssert.AreEqual(expected, selection.RowIds.ToArray());
            CollectionAssert.AreEqual(expected.Select(i => scores[i]).ToArray(), selection.Scores.ToArray());
            Assert.AreEqual(scores.Length - labelled.Count, selection.UnlabelledRows);
            Assert.IsFalse(selection.RowIds.Any(labelled.Contains), "labelled rows are never selected");
        }, iter: 150);
    }

    [TestMethod]
    public void TiesGoToTheLowerRowId()
    {
        var ml = new MLContext(0);
        // Rows 1, 2 and 4 tie at 0.5; k = 2 takes rows 1 and 2, in that order.
        var selection = TopKSelector.Select(Scored(ml, [0.1f, 0.5f, 0.5f, 0.2f, 0.5f], 2), 2);
        CollectionAssert.AreEqual(new long[] { 1, 2 }, selection.RowIds.ToArray());
    }

    [TestMethod]
    public void KLargerThanTheUnlabelledRowsSelectsThemAllAndSaysSo()
    {
        var ml = new MLContext(0);
        var selection = TopKSelector.Select(Scored(ml, [0.1f, 0.9f, 0.3f], 16), 5, new SelectionOptions { Labelled = new HashSet<long> { 1 } });
        CollectionAssert.AreEqual(new long[] { 2, 0 }, selection.RowIds.ToArray());
        Assert.IsTrue(selection.SelectedAllUnlabelled);
        StringAssert.Contains(selection.ToString(), "all the unlabelled rows (2), fewer than the 5 asked for");
    }

    [TestMethod]
    public void UserIdColumnIdentifiesRows()
    {
        var ml = new MLContext(0);
        var pool = Pool(ml, [0.1f, 0.9f, 0.3f]);
        var scored = ml.ActiveLearning().ScoreAcquisition(CopyLearner(ml, pool),
            new AcquisitionScorerOptions { Strategy = new FirstClassStrategy(), IdColumnName = "UserId" }).Fit(pool).Transform(pool);
        Assert.IsNull(scored.Schema.GetColumnOrNull("RowId"), "no position column when the user names an id column");
        var selection = TopKSelector.Select(scored, 2, new SelectionOptions { IdColumnName = "UserId", Labelled = new HashSet<long> { 1001 } });
        CollectionAssert.AreEqual(new long[] { 1002, 1000 }, selection.RowIds.ToArray());
    }

    [TestMethod]
    public void DuplicateUserIdsAreAnErrorNotADoubleSelection()
    {
        var ml = new MLContext(0);
        var rows = new[] { new IdScore { Id = 7, Acquisition = 0.9f }, new IdScore { Id = 8, Acquisition = 0.1f }, new IdScore { Id = 7, Acquisition = 0.8f } };
        var error = Assert.ThrowsExactly<InvalidOperationException>(() =>
            TopKSelector.Select(ml.Data.LoadFromEnumerable(rows), 2, new SelectionOptions { IdColumnName = "Id" }));
        StringAssert.Contains(error.Message, "Row id 7 occurs more than once in column 'Id'");
    }

    [TestMethod]
    public void NaNScoreNamesTheRow()
    {
        var ml = new MLContext(0);
        var rows = new[] { new IdScore { Id = 3, Acquisition = 0.9f }, new IdScore { Id = 4, Acquisition = float.NaN } };
        var error = Assert.ThrowsExactly<InvalidOperationException>(() =>
            TopKSelector.Select(ml.Data.LoadFromEnumerable(rows), 1, new SelectionOptions { IdColumnName = "Id" }));
        StringAssert.Contains(error.Message, "Row 4 has a NaN score");
    }

    [TestMethod]
    public void EmptyPoolBadKAndMissingColumnsAreRefused()
    {
        var ml = new MLContext(0);
        var empty = ml.Data.LoadFromEnumerable(Array.Empty<IdScore>());
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => TopKSelector.Select(empty, 1)).Message, "pool is empty");
        var one = ml.Data.LoadFromEnumerable(new[] { new IdScore { Id = 1, Acquisition = 1 } });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => TopKSelector.Select(one, 0)).Message, "k must be at least 1");
        StringAssert.Contains(
            Assert.ThrowsExactly<ArgumentException>(() => TopKSelector.Select(one, 1, new SelectionOptions { ScoreColumnName = "Missing" })).Message,
            "Score column 'Missing'");
        StringAssert.Contains(
            Assert.ThrowsExactly<ArgumentException>(() => TopKSelector.Select(one, 1, new SelectionOptions { IdColumnName = "Nope" })).Message,
            "Id column 'Nope'");
    }

    [TestMethod]
    public void PositionsIdentifyRowsOfAPlainView()
    {
        var ml = new MLContext(0);
        var rows = new[] { 0.3f, 0.8f, 0.5f }.Select(s => new ScoreOnly { Acquisition = s }).ToArray();
        var selection = TopKSelector.Select(ml.Data.LoadFromEnumerable(rows), 2);
        CollectionAssert.AreEqual(new long[] { 1, 2 }, selection.RowIds.ToArray());
    }

    private sealed class IdScore
    {
        public long Id { get; set; }

        public float Acquisition { get; set; }
    }

    private sealed class ScoreOnly
    {
        public float Acquisition { get; set; }
    }
}
