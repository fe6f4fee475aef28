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
    public void PcaWithAsManyComponentsAsDimensionsKeepsEveryDistance()
    {
        // With rank = dimension the projection is a rotation of the centred points onto their principal
        // axes: every pairwise distance is kept. (ML.NET's randomized PCA orthonormalises min(rank + 20,
        // dimension) directions, so points spanning fewer dimensions than that give NaN; 8 or more random
        // points in 5 dimensions span all 5.)
        Gen.Float[-5, 5].Array[5].Array[8, 16].Sample(points =>
        {
            var ml = new MLContext(0);
            var pool = ml.Data.LoadFromEnumerable(points.Select(p => new Wide { Features = p }));
            var (projected, column) = PoolEmbedding.Add(ml, pool, "Features", EmbeddingSource.Pca, pcaRank: 5, seed: 1);
            var values = Read(projected, column!);
            for (int i = 0; i < points.Length; i++)
                for (int j = 0; j < i; j++)
                {
                    double before = Math.Sqrt(points[i].Zip(points[j], (a, b) => (a - b) * (a - b)).Sum());
                    double after = Math.Sqrt(values[i].Zip(values[j], (a, b) => (a - b) * (a - b)).Sum());
                    Assert.AreEqual(before, after, 1e-3 * (1 + before), $"points {i} and {j}");
                }
        }, iter: 20);
    }

    private sealed class Wide
    {
        [VectorType(5)]
        public float[] Features { get; set; } = [];
    }
}
