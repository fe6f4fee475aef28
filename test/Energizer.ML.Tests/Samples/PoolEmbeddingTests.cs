using CsCheck;
using Energizer.ML.Samples;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Samples;

[TestClass]
public sealed class PoolEmbeddingTests
{
    private sealed class Point
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];
    }

    private static IDataView Pool(MLContext ml, IEnumerable<float[]> points) => ml.Data.LoadFromEnumerable(points.Select(p => new Point { Features = p }));

    private static float[][] Read(IDataView view, string column) =>
        [.. view.GetColumn<VBuffer<float>>(column).Select(v => v.DenseValues().ToArray())];

    [TestMethod]
    public void NetworkAddsNothingAndPixelsNameTheFeatureColumn()
    {
        var ml = new MLContext(0);
        var pool = Pool(ml, [[1, 2], [3, 4]]);
        var (network, networkColumn) = PoolEmbedding.Add(ml, pool, "Features", EmbeddingSource.Network, pcaRank: 1, seed: 0);
        Assert.AreSame(pool, network);
        Assert.IsNull(networkColumn);
        var (pixels, pixelsColumn) = PoolEmbedding.Add(ml, pool, "Features", EmbeddingSource.Pixels, pcaRank: 1, seed: 0);
        Assert.AreSame(pool, pixels);
        Assert.AreEqual("Features", pixelsColumn);
        Assert.AreEqual("Pca(32)", PoolEmbedding.Describe(EmbeddingSource.Pca, 32));
        Assert.AreEqual("Pixels", PoolEmbedding.Describe(EmbeddingSource.Pixels, 32));
    }

    [TestMethod]
    public void PcaProjectsOnTheAxisOfMostVariance()
    {
        // Points (−3, 0), (3, 0), (0, −1), (0, 1): the mean is 0, the variance 18/4 along x and 2/4 along y,
        // so the first principal component is ±(1, 0) and the points project to ±(−3, 3, 0, 0). The mean is 0
        // because ML.NET 5.0.1's PCA adds the rows to the mean of its first pass again in its second (the
        // second pass centres on (1 + 1/n)·mean), which only a zero mean leaves exact on 4 rows.
        var ml = new MLContext(0);
        var pool = Pool(ml, [[-3, 0], [3, 0], [0, -1], [0, 1]]);
        var (projected, column) = PoolEmbedding.Add(ml, pool, "Features", EmbeddingSource.Pca, pcaRank: 1, seed: 0);
        Assert.AreEqual(PoolEmbedding.PcaColumnName, column);
        var values = Read(projected, column!);
        Assert.IsTrue(values.All(v => v.Length == 1), "one component per row");
        double sign = Math.Sign(values[1][0]);
        double[] expected = [-3, 3, 0, 0];
        for (int i = 0; i < 4; i++) Assert.AreEqual(expected[i], sign * values[i][0], 1e-4, $"point {i}");
        // The learner's column passes through untouched.
        CollectionAssert.AreEqual(new float[] { 0, -1 }, Read(projected, "Features")[2]);
    }

    [TestMethod]
    public void PcaGivesRankFiniteValuesPerRowAndTheSameProjectionForTheSameSeed()
    {
        // Any 8-16 points with coordinates on a 0.01 grid in [-5, 5] (they span all 5 dimensions, which
        // ML.NET's randomized PCA needs: it orthonormalises min(rank + 20, dimension) directions and gives
        // NaN otherwise): 3 finite components per row, and a second fit with the same seed projects
        // every row identically, so the samples' runs repeat. (Distances are not kept exactly even at
        // full rank: ML.NET's PCA is approximate; its pairwise distances were off by up to 4%.)
        Gen.Int[-500, 500].Select(v => v / 100f).Array[5].Array[8, 16].Sample(points =>
        {
            var ml = new MLContext(0);
            var pool = ml.Data.LoadFromEnumerable(points.Select(p => new Wide { Features = p }));
            var first = Read(PoolEmbedding.Add(ml, pool, "Features", EmbeddingSource.Pca, pcaRank: 3, seed: 1).Pool, PoolEmbedding.PcaColumnName);
            var again = Read(PoolEmbedding.Add(new MLContext(5), pool, "Features", EmbeddingSource.Pca, pcaRank: 3, seed: 1).Pool, PoolEmbedding.PcaColumnName);
            Assert.HasCount(points.Length, first);
            for (int i = 0; i < points.Length; i++)
            {
                Assert.HasCount(3, first[i]);
                Assert.IsTrue(first[i].All(float.IsFinite), $"row {i}: {string.Join(", ", first[i])}");
                CollectionAssert.AreEqual(first[i], again[i], $"row {i}");
            }
        }, iter: 20);
    }

    private sealed class Wide
    {
        [VectorType(5)]
        public float[] Features { get; set; } = [];
    }
}
