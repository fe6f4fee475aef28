using Energizer.ML.Acquisition;
using Energizer.ML.Scoring;
using Energizer.ML.Tests.Loop;
using Microsoft.ML;

namespace Energizer.ML.Tests.Scoring;

[TestClass]
public sealed class WholePoolSelectionTests
{
    [TestMethod]
    public void TypiClustChoosesAmongEveryUnlabelledRowNotTheTopTenPerPick()
    {
        // Rows 0-9 lie far apart (x = 1000, 2000, ...); rows 10-29 are dense at x = 50 + 0.25·j, j = 0..19.
        // k = 1, no labelled row: one cluster of all 30 rows, K = min(20, 30/2) = 15 neighbours.
        // Dense rows j = 7..12 have 7 neighbours on each side within 0.25·7 and an eighth at 0.25·8, so their 15 nearest
        // are 0.25·(1,1,2,2,...,7,7,8), mean 0.25·64/15, the least; rows nearer an end have larger ones (j = 6: 0.25·66/15).
        // The tie goes to the lowest id, 17. A top-10 pre-filter of equal scores would keep ids 0-9 only.
        var ml = new MLContext(0);
        var rows = Enumerable.Range(0, 30).Select(i => new ThreeClassPool.Row
        {
            Features = [i < 10 ? 1000f * (i + 1) : 50 + (0.25f * (i - 10)), 0],
            Label = (uint)(i % 3),
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ThreeClassPool.Logistic(ml).Fit(data);
        var scored = ml.ActiveLearning().ScoreAcquisition(model, new AcquisitionScorerOptions
        {
            Strategy = AcquisitionStrategy.TypiClust(seed: 0),
            EmbeddingColumnName = "Features",
        }).Fit(data).Transform(data);
        CollectionAssert.AreEqual(new long[] { 17 }, ml.ActiveLearning().SelectTopK(scored, 1).RowIds.ToArray());
        // Labelled rows are never picked, and are centres: the cluster holding labelled row 17 is left for the far rows.
        long pick = ml.ActiveLearning().SelectTopK(scored, 1, new SelectionOptions { Labelled = new HashSet<long> { 17 } }).RowIds[0];
        Assert.IsLessThan(10L, pick);
    }
}
