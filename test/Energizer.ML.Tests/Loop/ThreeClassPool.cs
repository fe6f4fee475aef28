using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Loop;

/// <summary>A small synthetic pool for checkpoint tests: two features, three classes by the first feature's band.</summary>
internal static class ThreeClassPool
{
    public sealed class Row
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];

        [KeyType(3)]
        public uint Label { get; set; }
    }

    /// <summary>
    /// <paramref name="rows"/> rows: x runs over [0, 3) (row i at 3i/rows, moved by <paramref name="shift"/>),
    /// y = (i mod 7)/7, label = the band of x (0, 1 or 2).
    /// </summary>
    public static IDataView Create(MLContext ml, int rows = 60, float shift = 0) =>
        ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(i =>
        {
            float x = (3f * i / rows + shift) % 3f;
            return new Row { Features = [x, i % 7 / 7f], Label = (uint)Math.Min(2, (int)x) };
        }).ToList());

    public static IEstimator<ITransformer> Logistic(MLContext ml) =>
        ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new Microsoft.ML.Trainers.LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1 });

    public static string TempDirectory() => Directory.CreateTempSubdirectory("energizer-ckpt-").FullName;
}
