using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Torch;

/// <summary>Small synthetic data with a 4-feature vector and a 3-class key label, for schema and bad-input tests.</summary>
internal static class TinyData
{
    public const int Classes = 3;

    public static IDataView Create(MLContext mlContext, int rows = 30, Func<int, float[]>? features = null)
    {
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), Classes);
        var data = Enumerable.Range(0, rows).Select(i => new Row
        {
            Features = features?.Invoke(i) ?? [i % Classes, (i % Classes) * 0.5f, 1f, -(i % Classes)],
            Label = (uint)(i % Classes),
        });
        return mlContext.Data.LoadFromEnumerable(data, definition);
    }

    /// <summary>A row; LoadFromEnumerable stores <see cref="Label"/> v as key v + 1 (0-based class index here).</summary>
    public sealed class Row
    {
        [VectorType(4)]
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }
    }
}
