using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Benchmarks;

/// <summary>The digits repeated to a benchmark-sized set, as an IDataView and as flat arrays of the same rows.</summary>
internal sealed class DigitsBenchmarkData
{
    public const int Features = 64;
    public const int Classes = 10;

    public DigitsBenchmarkData(MLContext mlContext, int copies)
    {
        var raw = mlContext.Data.LoadFromTextFile<Input>(Path.Combine(AppContext.BaseDirectory, "data", "digits.csv"), separatorChar: ',');
        var rows = mlContext.Data.CreateEnumerable<Input>(raw, reuseRowObject: false).ToList();
        var all = Enumerable.Repeat(rows, copies).SelectMany(r => r)
            .Select(r => new Row { Features = [.. r.Pixels.Select(p => p / 16f)], Label = (uint)r.Digit })
            .ToList();
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), Classes);
        // Cached, so the trainer's read measures the trainer, not enumerable conversion.
        Data = mlContext.Data.Cache(mlContext.Data.LoadFromEnumerable(all, definition));
        Count = all.Count;
        FlatFeatures = [.. all.SelectMany(r => r.Features)];
        // LoadFromEnumerable stores a key field v as key v + 1, so v is the 0-based class.
        Labels = [.. all.Select(r => (long)r.Label)];
    }

    public IDataView Data { get; }

    public int Count { get; }

    public float[] FlatFeatures { get; }

    public long[] Labels { get; }

    public sealed class Input
    {
        [LoadColumn(0, 63), VectorType(64)]
        public float[] Pixels { get; set; } = [];

        [LoadColumn(64)]
        public float Digit { get; set; }
    }

    public sealed class Row
    {
        [VectorType(64)]
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }
    }
}
