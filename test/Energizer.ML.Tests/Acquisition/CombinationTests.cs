using Energizer.ML.Acquisition;
using static Energizer.ML.Tests.Acquisition.Tensors;

namespace Energizer.ML.Tests.Acquisition;

[TestClass]
public sealed class CombinationTests
{
    // Two passes, two classes:
    //  r0: [.6,.4] twice          entropy H(.6,.4) = 0.673012   BALD 0
    //  r1: [.9,.1],[.1,.9]         entropy ln 2 = 0.693147       BALD 0.368064
    //  r2: [.95,.05],[.65,.35]     entropy H(.8,.2) = 0.500402   BALD 0.500402 − ½(0.198515 + 0.647447) = 0.077421
    private static AcquisitionBatch ThreeRows(float[][]? embeddings = null) => Batch(
    [
        Constant(2, 0.6f, 0.4f),
        Row([0.9f, 0.1f], [0.1f, 0.9f]),
        Row([0.95f, 0.05f], [0.65f, 0.35f]),
    ], embeddings: embeddings);

    [TestMethod]
    public void CombineSumsWeightedRankNormalisedScores()
    {
        // Entropy order r2 < r0 < r1 → ranks 0.5, 1, 0; BALD order r0 < r2 < r1 → ranks 0, 1, 0.5.
        // Weights 1 (entropy) and 3 (BALD): r0 = 0.5, r1 = 1 + 3 = 4, r2 = 0 + 1.5 = 1.5.
        var combined = AcquisitionStrategy.Combine((AcquisitionStrategy.Entropy, 1), (AcquisitionStrategy.Bald, 3));
        CollectionAssert.AreEqual(new[] { 0.5f, 4f, 1.5f }, Scores(combined, ThreeRows()));
        CollectionAssert.AreEqual(new[] { 1, 2 }, combined.Select(ThreeRows(), 2));
        Assert.IsTrue(combined.IsBatchAware);
    }

    [TestMethod]
    public void CombineGivesTiedScoresTheirMeanRank()
    {
        // Entropies ln 2, ln 2, 0 → ranks (1 + 2)/2 / 2 = 0.75, 0.75, 0.
        var batch = Batch([Constant(1, 0.5f, 0.5f), Constant(1, 0.5f, 0.5f), Constant(1, 1f, 0f)]);
        CollectionAssert.AreEqual(new[] { 0.75f, 0.75f, 0f }, Scores(AcquisitionStrategy.Combine((AcquisitionStrategy.Entropy, 1)), batch));
    }

    [TestMethod]
    public void PreFilterShortlistsByTheFirstStrategyThenPicksForDiversity()
    {
        // Embeddings x: r0 0, r1 0.1, r2 5. Entropy top 2: r1 (0.693), r0 (0.673); r2 (0.500) is dropped.
        // CoreSet on {r1, r0}, no labelled rows: starts at the lower row id, r0, then r1.
        var batch = ThreeRows([[0], [0.1f], [5]]);
        var strategy = AcquisitionStrategy.PreFilter(AcquisitionStrategy.Entropy, 2, AcquisitionStrategy.CoreSet);
        CollectionAssert.AreEqual(new[] { 0, 1 }, strategy.Select(batch, 2));
        // Without the shortlist CoreSet would take r0 then the far r2.
        CollectionAssert.AreEqual(new[] { 0, 2 }, AcquisitionStrategy.CoreSet.Select(batch, 2));
        // Labelled centre at x = 0 makes r1 the farthest of the shortlist.
        Assert.AreEqual(1, strategy.Select(batch, 1, new float[] { 0 })[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => strategy.Select(batch, 3));
        Assert.IsTrue(strategy.NeedsEmbeddings && strategy.IsBatchAware);
    }
}
