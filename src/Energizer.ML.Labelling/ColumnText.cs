using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Labelling;

/// <summary>Reads column values of a row, and writes them as plain text for the list below the item.</summary>
internal static class ColumnText
{
    /// <summary>Vector values listed before the rest is counted.</summary>
    private const int VectorValuesShown = 16;

    public static T Read<T>(DataViewRow row, DataViewSchema.Column column)
    {
        T value = default!;
        row.GetGetter<T>(column)(ref value);
        return value;
    }

    /// <summary>The value of <paramref name="column"/> as text (vectors: the first values and the count).</summary>
    public static string Describe(DataViewRow row, DataViewSchema.Column column) => column.Type switch
    {
        TextDataViewType => Read<ReadOnlyMemory<char>>(row, column).ToString(),
        KeyDataViewType => Read<uint>(row, column).ToString(CultureInfo.InvariantCulture),
        BooleanDataViewType => Read<bool>(row, column) ? "true" : "false",
        NumberDataViewType n => Number(row, column, n.RawType),
        VectorDataViewType { ItemType: NumberDataViewType n } when n.RawType == typeof(float) => Vector(Read<VBuffer<float>>(row, column)),
        VectorDataViewType { ItemType: NumberDataViewType n } when n.RawType == typeof(double) => Vector(Read<VBuffer<double>>(row, column)),
        VectorDataViewType { ItemType: TextDataViewType } => string.Join(" | ", Read<VBuffer<ReadOnlyMemory<char>>>(row, column).DenseValues().Select(t => t.ToString())),
        _ => $"({column.Type})",
    };

    private static string Number(DataViewRow row, DataViewSchema.Column column, Type raw)
    {
        var c = CultureInfo.InvariantCulture;
        if (raw == typeof(float)) return Read<float>(row, column).ToString(c);
        if (raw == typeof(double)) return Read<double>(row, column).ToString(c);
        if (raw == typeof(int)) return Read<int>(row, column).ToString(c);
        if (raw == typeof(long)) return Read<long>(row, column).ToString(c);
        if (raw == typeof(uint)) return Read<uint>(row, column).ToString(c);
        return $"({column.Type})";
    }

    private static string Vector<T>(VBuffer<T> values)
        where T : IFormattable
    {
        string shown = string.Join(' ', values.DenseValues().Take(VectorValuesShown).Select(v => v.ToString("G4", CultureInfo.InvariantCulture)));
        return values.Length > VectorValuesShown ? $"{shown} … ({values.Length} values)" : shown;
    }
}
