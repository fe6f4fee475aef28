using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Loop;

/// <summary>digits.csv (1,797 8×8 images), pixels / 16, label as a key of 10 values, stratified 50/50 split.</summary>
internal static class Digits
{
    public sealed class Row
    {
        [VectorType(64)]
        public float[] Features { get; set; } = [];

        [KeyType(10)]
        public uint Label { get; set; }
    }

    private static readonly Lazy<List<Row>> All = new(Load);

    public static List<Row> Rows => All.Value;

    /// <summary>Splits by digit: within each digit, rows alternate between pool and test in file order.</summary>
    public static (IDataView Pool, IDataView Test) Split(MLContext ml)
    {
        var pool = new List<Row>();
        var test = new List<Row>();
        foreach (var group in Rows.GroupBy(r => r.Label))
        {
            int i = 0;
            foreach (var row in group) (i++ % 2 == 0 ? pool : test).Add(row);
        }
        return (ml.Data.LoadFromEnumerable(pool), ml.Data.LoadFromEnumerable(test));
    }

    private static List<Row> Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "data", "digits.csv");
        return [.. File.ReadLines(path).Select(line =>
        {
            var values = line.Split(',');
            return new Row
            {
                Features = [.. values.Take(64).Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture) / 16f)],
                // LoadFromEnumerable reads a [KeyType] member as a 0-based index: digit d becomes key d + 1.
                Label = uint.Parse(values[64], System.Globalization.CultureInfo.InvariantCulture),
            };
        })];
    }
}
