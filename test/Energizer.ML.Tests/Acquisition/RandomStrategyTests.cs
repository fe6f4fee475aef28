using Energizer.ML.Acquisition;
using static Energizer.ML.Tests.Acquisition.Tensors;

namespace Energizer.ML.Tests.Acquisition;

[TestClass]
public sealed class RandomStrategyTests
{
    private static AcquisitionBatch Pool(long[] ids) => Batch([.. ids.Select(_ => Constant(1, 0.5f, 0.5f))], ids);

    [TestMethod]
    public void TheSameSeedPicksTheSameRowsHoweverThePoolIsBatchedOrOrdered()
    {
        long[] ids = [.. Enumerable.Range(0, 40).Select(i => (long)((i * 37) + 5))];
        var strategy = AcquisitionStrategy.SeededRandom(seed: 11);
        var whole = strategy.Select(Pool(ids), 6).Select(p => ids[p]).ToArray();

        foreach (int batchSize in new[] { 1, 3, 7, 40 })
        {
            // Score batch by batch, then keep the global top 6 by (score desc, row id asc), as a streaming scorer does.
            var scored = ids.Chunk(batchSize).SelectMany(chunk => chunk.Zip(Scores(strategy, Pool(chunk))));
            var streamed = scored.OrderByDescending(s => s.Second).ThenBy(s => s.First).Take(6).Select(s => s.First).ToArray();
            CollectionAssert.AreEqual(whole, streamed, $"batches of {batchSize}");
        }

        long[] reversed = [.. ids.Reverse()];
        CollectionAssert.AreEqual(whole, strategy.Select(Pool(reversed), 6).Select(p => reversed[p]).ToArray());
    }

    [TestMethod]
    public void OverSeedsEveryRowIsPickedEquallyOften()
    {
        // 10 rows, k = 3, 3000 seeds: each row's pick rate should be 3/10 (standard error 0.008).
        long[] ids = [.. Enumerable.Range(100, 10).Select(i => (long)i)];
        var pool = Pool(ids);
        var counts = new int[10];
        for (int seed = 0; seed < 3000; seed++)
            foreach (int p in AcquisitionStrategy.SeededRandom(seed).Select(pool, 3)) counts[p]++;
        foreach (int c in counts) Assert.AreEqual(0.3, c / 3000.0, 0.035);
    }
}
