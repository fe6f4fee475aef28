using System.Globalization;
using Energizer.ML.Labelling;
using Energizer.ML.Tests.Loop;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Labelling;

/// <summary>Pools the labelling tests show: digits as the Digits sample has them, images of Fashion-MNIST's size, and reviews.</summary>
internal static class LabellingPools
{
    public sealed class DigitRow
    {
        [VectorType(64)]
        public float[] Features { get; set; } = [];

        /// <summary>The digit as a number, as the Digits sample's pool has it.</summary>
        public float Label { get; set; }
    }

    public sealed class ImageRow
    {
        [VectorType(784)]
        public float[] Features { get; set; } = [];

        [KeyType(10)]
        public uint Label { get; set; }
    }

    public sealed class ReviewRow
    {
        public string Label { get; set; } = "";

        public string Product { get; set; } = "";

        public string Text { get; set; } = "";
    }

    public static readonly string[] FashionNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The first <paramref name="count"/> digits of digits.csv (pool row i is file row i) and the next <paramref name="evaluation"/> as an evaluation set.</summary>
    public static (IDataView Pool, IDataView Evaluation, float[] Truth) Digits(MLContext ml, int count, int evaluation)
    {
        var rows = Loop.Digits.Rows.Select(r => new DigitRow { Features = r.Features, Label = r.Label }).ToList();
        return (ml.Data.LoadFromEnumerable(rows.Take(count)), ml.Data.LoadFromEnumerable(rows.Skip(count).Take(evaluation)), [.. rows.Take(count).Select(r => r.Label)]);
    }

    public static IEnumerable<LabelClass> DigitClasses() => Enumerable.Range(0, 10).Select(d => new LabelClass(d.ToString(CultureInfo.InvariantCulture)));

    /// <summary>28 × 28 images: row i has pixel p = ((p + 7i) mod 256) / 255 and class i mod 10 (key i mod 10 + 1).</summary>
    public static (IDataView Pool, List<ImageRow> Rows) Images(MLContext ml, int count)
    {
        var rows = Enumerable.Range(0, count).Select(i => new ImageRow
        {
            Features = [.. Enumerable.Range(0, 784).Select(p => ((p + (7 * i)) % 256) / 255f)],
            Label = (uint)(i % 10),
        }).ToList();
        return (ml.Data.LoadFromEnumerable(rows), rows);
    }

    public static IEnumerable<LabelClass> FashionClasses() =>
        FashionNames.Select((name, i) => new LabelClass((i + 1).ToString(CultureInfo.InvariantCulture), name));

    public static IEstimator<ITransformer> DigitLearner(MLContext ml) => TestLearners.MappedLogistic(ml, l2: 1f);
}
