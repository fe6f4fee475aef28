using CsCheck;
using Energizer.ML.Acquisition;
using Energizer.ML.Numerics;
using static Energizer.ML.Tests.Acquisition.Tensors;

namespace Energizer.ML.Tests.Acquisition;

[TestClass]
public sealed class LowBudgetTests
{
    /// <summary>Rows with one-dimensional embeddings x, uniform probabilities over 2 classes, row ids 0..N−1.</summary>
    private static AcquisitionBatch OnALine(params float[] x) => Batch([.. x.Select(_ => Constant(1, 0.5f, 0.5f))], embeddings: [.. x.Select(v => new[] { v })]);

    // Three groups far apart: A = {0, 0.9, 1, 1.1, 2} (ids 0-4), B = {100, 100.3, 100.9} (ids 5-7), C = {200, 201} (ids 8-9).
    private static readonly float[] Groups = [0, 0.9f, 1, 1.1f, 2, 100, 100.3f, 100.9f, 200, 201];

    [TestMethod]
    public void KMeansFindsFarApartGroups()
    {
        var assignment = KMeans.Cluster(Groups, Groups.Length, 1, 3, seed: 0);
        var groups = assignment.Select((c, n) => (c, n)).GroupBy(x => x.c).Select(g => string.Join(",", g.Select(x => x.n))).Order().ToList();
        CollectionAssert.AreEqual(new[] { "0,1,2,3,4", "5,6,7", "8,9" }, groups);
    }

    [TestMethod]
    public void KMeansEndsAtAFixedPointOfLloydAndIsDeterministic()
    {
        Gen.Select(Gen.Int[1, 25], Gen.Int[1, 3], Gen.Int[0, 100], (n, d, seed) => (n, d, seed))
            .SelectMany(s => Gen.Select(Gen.Float[-5f, 5f].Array[s.n * s.d], Gen.Int[1, s.n], (x, k) => (s.n, s.d, s.seed, x, k)))
            .Sample(c =>
            {
                var assignment = KMeans.Cluster(c.x, c.n, c.d, c.k, c.seed);
                CollectionAssert.AreEqual(assignment, KMeans.Cluster(c.x, c.n, c.d, c.k, c.seed), "the same seed gives the same clusters");
                // Each point is no farther from its own cluster's mean than from any other cluster's mean.
                var means = Enumerable.Range(0, c.k).Select(cluster => Enumerable.Range(0, c.d)
                    .Select(j => Enumerable.Range(0, c.n).Where(n => assignment[n] == cluster).Select(n => (double)c.x[(n * c.d) + j]).DefaultIfEmpty(double.NaN).Average()).ToArray()).ToArray();
                for (int n = 0; n < c.n; n++)
                {
                    Assert.IsTrue(assignment[n] >= 0 && assignment[n] < c.k);
                    double own = SquaredDistance(c.x, n, c.d, means[assignment[n]]);
                    foreach (var mean in means.Where(m => !double.IsNaN(m[0])))
                        Assert.IsTrue(own <= SquaredDistance(c.x, n, c.d, mean) + 1e-4, $"point {n} is closer to another cluster's mean");
                }
            }, iter: 300, threads: 1);
    }

    private static double SquaredDistance(float[] x, int n, int d, double[] mean) => Enumerable.Range(0, d).Sum(j => Math.Pow(x[(n * d) + j] - mean[j], 2));

    [TestMethod]
    public void TypiClustPicksTheMostTypicalRowOfTheLargestClustersFirst()
    {
        // No labelled rows, k = 3: 0 + 3 clusters, A (5 rows), B (3), C (2), picked in that order.
        // A: K = min(20, 5/2) = 2; mean distance to the 2 nearest: 0 → (0.9+1)/2 = 0.95, 0.9 → (0.1+0.2)/2 = 0.15,
        //    1 → (0.1+0.1)/2 = 0.1 (most typical, id 2), 1.1 → 0.15, 2 → 0.95.
        // B: K = max(1, 3/2) = 1: 100 → 0.3, 100.3 → 0.3, 100.9 → 0.6: tie, the lower id 5.
        // C: K = 1: 1 and 1: tie, id 8.
        CollectionAssert.AreEqual(new[] { 2, 5, 8 }, AcquisitionStrategy.TypiClust(seed: 0, minClusterSize: 1).Select(OnALine(Groups), 3));
        // With the paper's minimum cluster size 5, B and C come after A however often A is picked from:
        // 1 (id 2), then 0.9 and 1.1 tie at 0.15 → id 1, then id 3.
        CollectionAssert.AreEqual(new[] { 2, 1, 3 }, AcquisitionStrategy.TypiClust(seed: 0).Select(OnALine(Groups), 3));
    }

    [TestMethod]
    public void TypiClustSkipsClustersThatHoldALabelledRow()
    {
        // A labelled row at 1.05 joins A; 1 + 2 = 3 clusters. A holds a labelled row, so B then C.
        CollectionAssert.AreEqual(new[] { 5, 8 }, AcquisitionStrategy.TypiClust(seed: 0, minClusterSize: 1).Select(OnALine(Groups), 2, new float[] { 1.05f }));
    }

    [TestMethod]
    public void TypiClustTakesTheNextMostTypicalRowWhenClustersRunOut()
    {
        // maxClusters = 1: A alone is one cluster; most typical 1 (id 2, mean 0.1), then 0.9 and 1.1 tie at 0.15: id 1.
        CollectionAssert.AreEqual(new[] { 2, 1 }, AcquisitionStrategy.TypiClust(seed: 0, maxClusters: 1).Select(OnALine(0, 0.9f, 1, 1.1f, 2), 2));
    }

    [TestMethod]
    public void ProbCoverCoversTheMostUncoveredRowsFirst()
    {
        // δ = 1.5 (balls are open: distance < δ). Balls: 0 {0,1}, 1 {0,1,2}, 2 {1,2}, 10 {10,11}, 11 {10,11}, 20 {20}.
        // Pick 1 (3 uncovered), then 10 and 11 tie at 2 → 10 (lower id), then 20 (1).
        CollectionAssert.AreEqual(new[] { 1, 3, 5 }, AcquisitionStrategy.ProbCover(delta: 1.5).Select(OnALine(0, 1, 2, 10, 11, 20), 3));
    }

    [TestMethod]
    public void ProbCoverStartsWithRowsNearLabelledOnesCovered()
    {
        // A labelled row at 0.5 covers 0 and 1 (distance 0.5), not 2 (distance 1.5). Uncovered in each ball:
        // 0 → 0, 1 → {2} 1, 2 → {2} 1, 10 → 2, 11 → 2, 20 → 1. Pick 10; then 1, 2, 20 tie at 1 → 1 (id 1); then 20.
        CollectionAssert.AreEqual(new[] { 3, 1, 5 }, AcquisitionStrategy.ProbCover(delta: 1.5).Select(OnALine(0, 1, 2, 10, 11, 20), 3, new float[] { 0.5f }));
    }

    [TestMethod]
    public void ProbCoverDrawsTheRestAtRandomOnceAllIsCovered()
    {
        var strategy = AcquisitionStrategy.ProbCover(delta: 1.5, seed: 3);
        var picks = strategy.Select(OnALine(0, 1, 2, 10, 11, 20), 6);
        CollectionAssert.AreEqual(new[] { 1, 3, 5 }, picks[..3]);
        CollectionAssert.AreEquivalent(new[] { 0, 2, 4 }, picks[3..]);
        // The rest is ordered by the seeded uniform of each row id, highest first.
        var expected = new[] { 0, 2, 4 }.OrderByDescending(n => SeededHash.Uniform(3, SeededHash.CoveredStream, n)).ToArray();
        CollectionAssert.AreEqual(expected, picks[3..]);
    }

    [TestMethod]
    public void ProbCoverDeltaIsTheLargestWithEnoughPureRows()
    {
        // Two k-means clusters {0, 1, 2} and {10, 11}. Distance of each row to the other cluster: 10, 9, 8, 8, 9.
        // Sorted down: 10, 9, 9, 8, 8. Purity 0.6: ⌈0.6·5⌉ = 3 → δ = 9 (rows 0, 1, 11 stay pure: 3/5).
        // Purity 0.95: ⌈4.75⌉ = 5 → δ = 8: every row is pure, as no ball (distance < 8) reaches the other cluster.
        // Purity 0.75 (the default): ⌈3.75⌉ = 4 → δ = 8 as well.
        float[] points = [0, 1, 2, 10, 11];
        Assert.AreEqual(9, AcquisitionStrategy.ProbCover(purity: 0.6, seed: 0).ChooseDelta(points, 5, 1, 2));
        Assert.AreEqual(8, AcquisitionStrategy.ProbCover(purity: 0.95, seed: 0).ChooseDelta(points, 5, 1, 2));
        Assert.AreEqual(8, AcquisitionStrategy.ProbCover(seed: 0).ChooseDelta(points, 5, 1, 2));
        Assert.AreEqual(0.75, AcquisitionStrategy.ProbCover().Purity);
    }

    [TestMethod]
    public void ProbCoverWithoutClassesOrDeltaSaysWhatToGive()
    {
        var oneClass = Batch([Constant(1, 1f), Constant(1, 1f)], embeddings: [[0f], [1f]]);
        var error = Assert.Throws<ArgumentException>(() => AcquisitionStrategy.ProbCover().Select(oneClass, 1));
        StringAssert.Contains(error.Message, "clusters");
        StringAssert.Contains(error.Message, "delta");
        Assert.AreEqual(1, AcquisitionStrategy.ProbCover(clusters: 2).Select(oneClass, 1).Length);
    }

    [TestMethod]
    public void LowBudgetPicksAreDistinctCandidatesAndDeterministicForASeed()
    {
        Gen.Select(Gen.Int[1, 14], Gen.Int[1, 3], Gen.Int[0, 3], Gen.Int[0, 50], (n, d, l, seed) => (n, d, l, seed))
            .SelectMany(s => Gen.Select(Gen.Float[-5f, 5f].Array[s.n * s.d], Gen.Float[-5f, 5f].Array[s.l * s.d], Gen.Int[1, s.n],
                (x, labelled, k) => (s.n, s.d, s.seed, x, labelled, k)))
            .Sample(c =>
            {
                var probabilities = new ProbabilityTensor([.. Enumerable.Repeat(0.5f, 2 * c.n)], 1, c.n, 2);
                var batch = new AcquisitionBatch(probabilities, [.. Enumerable.Range(0, c.n).Select(i => 10L + i)], c.x, c.d);
                foreach (var strategy in new AcquisitionStrategy[] { AcquisitionStrategy.TypiClust(c.seed), AcquisitionStrategy.ProbCover(seed: c.seed) })
                {
                    var picks = strategy.Select(batch, c.k, c.labelled);
                    Assert.HasCount(c.k, picks);
                    Assert.AreEqual(c.k, picks.Distinct().Count(), $"{strategy.Name} picks a row twice");
                    Assert.IsTrue(picks.All(p => p >= 0 && p < c.n));
                    CollectionAssert.AreEqual(picks, strategy.Select(batch, c.k, c.labelled), $"{strategy.Name} is not deterministic");
                    Assert.IsTrue(strategy.PicksFromWholePool && strategy.IsBatchAware && strategy.NeedsEmbeddings);
                    CollectionAssert.AreEqual(new float[c.n], Scores(strategy, batch));
                }
            }, iter: 300, threads: 1);
    }

    [TestMethod]
    public void FingerprintsNameEveryParameter()
    {
        Assert.AreEqual("TypiClust(seed=the loop's, neighbours=20, maxClusters=500, minClusterSize=5)", AcquisitionStrategy.TypiClust().Fingerprint);
        Assert.AreEqual("ProbCover(delta=from purity, purity=0.75, clusters=the classes, seed=4)", AcquisitionStrategy.ProbCover(seed: 4).Fingerprint);
        Assert.AreEqual("ProbCover(delta=0.5, purity=0.75, clusters=3, seed=the loop's)", AcquisitionStrategy.ProbCover(0.5, clusters: 3).Fingerprint);
        Assert.AreEqual("TypiClust(seed=7, neighbours=20, maxClusters=500, minClusterSize=5)", AcquisitionStrategy.TypiClust().ForRun(7).Fingerprint);
    }
}
