using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Torch;

/// <summary>The 8×8 digits (data/digits.csv), pixels scaled to [0, 1], split 50/50 within each digit.</summary>
internal static class DigitsData
{
    public const int Features = 64;

    public static (IDataView Train, IDataView Test) Load(MLContext mlContext)
    {
        var raw = mlContext.Data.LoadFromTextFile<DigitInput>(Path.Combine(AppContext.BaseDirectory, "data", "digits.csv"), separatorChar: ',');
        var rows = mlContext.Data.CreateEnumerable<DigitInput>(raw, reuseRowObject: false)
            .Select(r => new DigitRow { Features = [.. r.Pixels.Select(p => p / 16f)], Digit = r.Digit })
            .ToList();
        // Stratified: the even occurrences of each digit train, the odd ones test.
        var seen = new Dictionary<float, int>();
        var train = new List<DigitRow>();
        var test = new List<DigitRow>();
        foreach (var row in rows)
        {
            int occurrence = seen[row.Digit] = seen.GetValueOrDefault(row.Digit) + 1;
            (occurrence % 2 == 1 ? train : test).Add(row);
        }
        var toKey = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
            .Fit(mlContext.Data.LoadFromEnumerable(train));
        return (toKey.Transform(mlContext.Data.LoadFromEnumerable(train)), toKey.Transform(mlContext.Data.LoadFromEnumerable(test)));
    }

    public sealed class DigitInput
    {
        [LoadColumn(0, 63), VectorType(64)]
        public float[] Pixels { get; set; } = [];

        [LoadColumn(64)]
        public float Digit { get; set; }
    }

    public sealed class DigitRow
    {
        [VectorType(64)]
        public float[] Features { get; set; } = [];

        public float Digit { get; set; }
    }
}
