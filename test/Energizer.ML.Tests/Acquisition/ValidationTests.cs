using Energizer.ML.Acquisition;
using static Energizer.ML.Tests.Acquisition.Tensors;

namespace Energizer.ML.Tests.Acquisition;

[TestClass]
public sealed class ValidationTests
{
    private static IEnumerable<AcquisitionStrategy> All() =>
    [
        AcquisitionStrategy.Random, AcquisitionStrategy.Entropy, AcquisitionStrategy.ExpectedEntropy,
        AcquisitionStrategy.LeastConfidence, AcquisitionStrategy.Margin, AcquisitionStrategy.VariationRatios,
        AcquisitionStrategy.MeanStd, AcquisitionStrategy.Bald, AcquisitionStrategy.VoteEntropy, AcquisitionStrategy.KlToConsensus,
        AcquisitionStrategy.PowerBald(), AcquisitionStrategy.PowerBald(mode: PowerBaldMode.Softmax), AcquisitionStrategy.PowerBald(mode: PowerBaldMode.Softrank),
        AcquisitionStrategy.BatchBald(), AcquisitionStrategy.CoreSet, AcquisitionStrategy.Badge(),
        AcquisitionStrategy.Combine((AcquisitionStrategy.Entropy, 1), (AcquisitionStrategy.Bald, 1)),
        AcquisitionStrategy.PreFilter(AcquisitionStrategy.Entropy, 2, AcquisitionStrategy.CoreSet),
    ];

    private static AcquisitionBatch WithBadRow(float[] bad) => Batch(
        [Constant(2, 0.5f, 0.5f), Row([0.5f, 0.5f], bad), Constant(2, 0.9f, 0.1f)],
        ids: [100, 205, 300],
        embeddings: [[0], [1], [2]]);

    [TestMethod]
    public void EveryStrategyNamesTheRowIdOfBadProbabilities()
    {
        foreach (var bad in new[] { new[] { 0.7f, float.NaN }, [0.9f, 0.6f], [-0.1f, 1.1f] })
        {
            var batch = WithBadRow(bad);
            foreach (var strategy in All())
            {
                var fromScore = Assert.Throws<ArgumentException>(() => strategy.Score(batch, new float[3]), $"{strategy.Name} Score");
                StringAssert.Contains(fromScore.Message, "Row 205", $"{strategy.Name}: {fromScore.Message}");
                var fromSelect = Assert.Throws<ArgumentException>(() => strategy.Select(batch, 1), $"{strategy.Name} Select");
                StringAssert.Contains(fromSelect.Message, "Row 205", $"{strategy.Name}: {fromSelect.Message}");
            }
        }
    }

    [TestMethod]
    public void EveryStrategyChecksK()
    {
        var batch = WithBadRow([0.5f, 0.5f]);
        foreach (var strategy in All())
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => strategy.Select(batch, 0), strategy.Name);
            var tooMany = Assert.Throws<ArgumentOutOfRangeException>(() => strategy.Select(batch, 4), strategy.Name);
            StringAssert.Contains(tooMany.Message, "k = 4", strategy.Name);
            Assert.AreEqual(1, strategy.Select(batch, 1).Length, strategy.Name);
        }
    }

    [TestMethod]
    public void ScoreNeedsOneSlotPerRow()
    {
        var batch = WithBadRow([0.5f, 0.5f]);
        var error = Assert.Throws<ArgumentException>(() => AcquisitionStrategy.Entropy.Score(batch, new float[2]));
        StringAssert.Contains(error.Message, "2 score slots given for 3 rows");
    }

    [TestMethod]
    public void SubsetCopiesRowsInOrder()
    {
        var batch = WithBadRow([0.3f, 0.7f]);
        var subset = batch.Subset([2, 1]);
        CollectionAssert.AreEqual(new long[] { 300, 205 }, subset.RowIds);
        CollectionAssert.AreEqual(new[] { 2f, 1f }, subset.Embeddings);
        CollectionAssert.AreEqual(new[] { 0.3f, 0.7f }, subset.Probabilities[1, 1].ToArray());
        CollectionAssert.AreEqual(new[] { 0.9f, 0.1f }, subset.Probabilities[1, 0].ToArray());
    }
}
