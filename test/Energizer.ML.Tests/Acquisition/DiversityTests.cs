using CsCheck;
using Energizer.ML.Acquisition;
using Energizer.ML.Numerics;
using static Energizer.ML.Tests.Acquisition.Tensors;

namespace Energizer.ML.Tests.Acquisition;

[TestClass]
public sealed class DiversityTests
{
    /// <summary>Rows with one-dimensional embeddings x, uniform probabilities, the given ids.</summary>
    private static AcquisitionBatch OnALine(float[] x, long[] ids) =>
        Batch([.. x.Select(_ => Constant(1, 0.5f, 0.5f))], ids, [.. x.Select(v => new[] { v })]);

    [TestMethod]
    public void CoreSetWithoutLabelledRowsStartsAtTheLowestRowIdThenTakesTheFarthest()
    {
        // x = 5 (id 12), 0 (id 10), 10 (id 13), 1 (id 11). Start at id 10 (x = 0);
        // distances 5, 0, 10, 1 → take x = 10; nearest distances 5, -, -, 1 → take x = 5.
        var batch = OnALine([5, 0, 10, 1], [12, 10, 13, 11]);
        CollectionAssert.AreEqual(new[] { 1, 2, 0 }, AcquisitionStrategy.CoreSet.Select(batch, 3));
    }

    [TestMethod]
    public void CoreSetMeasuresFromLabelledEmbeddings()
    {
        // Labelled centre at x = 4: distances 4 (x=0), 3 (x=1), 1 (x=5), 6 (x=10) → take 10;
        // then 4, 3, 1 → take x = 0.
        var batch = OnALine([0, 1, 5, 10], [0, 1, 2, 3]);
        CollectionAssert.AreEqual(new[] { 3, 0 }, AcquisitionStrategy.CoreSet.Select(batch, 2, new float[] { 4 }));
    }

    [TestMethod]
    public void CoreSetRadiusIsWithinTwiceTheBestAndOfAnyRandomPick()
    {
        // k-center greedy guarantees radius ≤ 2·optimum (optimum found here by trying every subset), so also
        // ≤ 2·(radius of any pick of the same size). It is not always ≤ a lucky random pick, hence the factor 2.
        var gen = Gen.Select(Gen.Int[2, 7], Gen.Int[1, 3], Gen.Int[0, 2], (n, d, l) => (n, d, l))
            .SelectMany(s => Gen.Select(
                Gen.Float[-5f, 5f].Array[s.n * s.d],
                Gen.Float[-5f, 5f].Array[s.l * s.d],
                Gen.Int[1, s.n],
                Gen.Int[0, 1000],
                (x, labelled, k, shuffle) => (s.n, s.d, x, labelled, k, shuffle)));
        gen.Sample(c =>
        {
            var probabilities = new ProbabilityTensor([.. Enumerable.Repeat(1f, c.n)], 1, c.n, 1);
            var batch = new AcquisitionBatch(probabilities, [.. Enumerable.Range(0, c.n).Select(i => (long)i)], c.x, c.d);
            var greedy = AcquisitionStrategy.CoreSet.Select(batch, c.k, c.labelled);
            Assert.AreEqual(c.k, greedy.Distinct().Count());
            double greedyRadius = Radius(c.x, c.d, c.labelled, greedy);
            var subsets = Subsets(c.n, c.k).ToList();
            double best = subsets.Min(s => Radius(c.x, c.d, c.labelled, s));
            double random = Radius(c.x, c.d, c.labelled, subsets[c.shuffle % subsets.Count]);
            Assert.IsTrue(greedyRadius <= (2 * best) + 1e-9, $"greedy {greedyRadius} > 2 × optimum {best}");
            Assert.IsTrue(greedyRadius <= (2 * random) + 1e-9, $"greedy {greedyRadius} > 2 × random {random}");
        }, iter: 300, threads: 1);
    }

    /// <summary>Largest distance from a candidate to its nearest centre (labelled rows and the picks).</summary>
    private static double Radius(float[] x, int d, float[] labelled, IReadOnlyList<int> picks)
    {
        var centres = picks.Select(p => x.AsSpan(p * d, d).ToArray())
            .Concat(Enumerable.Range(0, labelled.Length / d).Select(l => labelled.AsSpan(l * d, d).ToArray())).ToList();
        double radius = 0;
        for (int n = 0; n < x.Length / d; n++)
        {
            var point = x.AsSpan(n * d, d).ToArray();
            radius = Math.Max(radius, centres.Min(c => Math.Sqrt(c.Zip(point, (a, b) => (double)(a - b) * (a - b)).Sum())));
        }
        return radius;
    }

    private static IEnumerable<int[]> Subsets(int n, int k) =>
        k == 0 ? [[]] : Enumerable.Range(k - 1, n - k + 1).SelectMany(last => Subsets(last, k - 1).Select(s => (int[])[.. s, last]));

    [TestMethod]
    public void BadgeStartsAtTheLargestGradientEmbedding()
    {
        // g = (p − onehot(argmax p)) ⊗ h:
        //  row 0: p [.5,.5], h [1,0] → a = [−.5,.5],  ‖g‖ = 0.7071·1 = 0.7071
        //  row 1: p [.9,.1], h [0,2] → a = [−.1,.1],  ‖g‖ = 0.1414·2 = 0.2828
        //  row 2: p [.6,.4], h [2,0] → a = [−.4,.4],  ‖g‖ = 0.5657·2 = 1.1314  ← first
        var batch = BadgeBatch();
        Assert.AreEqual(2, AcquisitionStrategy.Badge().Select(batch, 1)[0]);
        CollectionAssert.AreEquivalent(new[] { 0, 1, 2 }, AcquisitionStrategy.Badge().Select(batch, 3));
    }

    [TestMethod]
    public void BadgeDrawsTheNextPickProportionalToSquaredDistance()
    {
        // g0 = [−.5, 0, .5, 0], g1 = [0, −.2, 0, .2], g2 = [−.8, 0, .8, 0] (flattened [class][dim]).
        // ‖g0 − g2‖² = .09 + .09 = 0.18; ‖g1 − g2‖² = .64 + .04 + .64 + .04 = 1.36 → P(row 1) = 1.36 / 1.54 = 0.883.
        var batch = BadgeBatch();
        int seeds = 2000, row1 = 0;
        for (int seed = 0; seed < seeds; seed++) if (AcquisitionStrategy.Badge(seed).Select(batch, 2)[1] == 1) row1++;
        Assert.AreEqual(0.883, row1 / (double)seeds, 0.03);
    }

    private static AcquisitionBatch BadgeBatch() => Batch(
        [Constant(1, 0.5f, 0.5f), Constant(1, 0.9f, 0.1f), Constant(1, 0.6f, 0.4f)],
        embeddings: [[1, 0], [0, 2], [2, 0]]);

    [TestMethod]
    public void DiversityWithoutEmbeddingsSaysWhoNeedsThemAndHow()
    {
        var batch = Batch([Constant(1, 0.5f, 0.5f), Constant(1, 0.9f, 0.1f)]);
        foreach (var strategy in new AcquisitionStrategy[] { AcquisitionStrategy.CoreSet, AcquisitionStrategy.Badge() })
        {
            Assert.IsTrue(strategy.NeedsEmbeddings && strategy.IsBatchAware);
            var error = Assert.Throws<ArgumentException>(() => strategy.Select(batch, 1));
            StringAssert.Contains(error.Message, strategy.Name);
            StringAssert.Contains(error.Message, "TorchClassifier");
            StringAssert.Contains(error.Message, "embedding column");
        }
    }

    [TestMethod]
    public void LabelledEmbeddingsOfTheWrongWidthAreRejected()
    {
        var batch = Batch([Constant(1, 0.5f, 0.5f), Constant(1, 0.9f, 0.1f)], embeddings: [[1, 2], [3, 4]]);
        var error = Assert.Throws<ArgumentException>(() => AcquisitionStrategy.CoreSet.Select(batch, 1, new float[] { 1, 2, 3 }));
        StringAssert.Contains(error.Message, "width 2");
    }

    [TestMethod]
    public void DiversityPreFilterScoreIsEntropy()
    {
        var batch = BadgeBatch();
        var entropy = Scores(AcquisitionStrategy.Entropy, batch);
        CollectionAssert.AreEqual(entropy, Scores(AcquisitionStrategy.CoreSet, batch));
        CollectionAssert.AreEqual(entropy, Scores(AcquisitionStrategy.Badge(), batch));
    }
}
