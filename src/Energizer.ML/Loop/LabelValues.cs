using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Loop;

/// <summary>Converts labels between what oracles give, the label column's type and checkpoint text.</summary>
internal static class LabelValues
{
    /// <summary>Whether a normalized label is ML.NET's missing value: NaN, an empty or blank text, or key 0.</summary>
    public static bool IsMissing(object label, DataViewType type) => label switch
    {
        float f => float.IsNaN(f),
        double d => double.IsNaN(d),
        string text => string.IsNullOrWhiteSpace(text),
        uint key => key == 0 && type is KeyDataViewType,
        _ => false,
    };

    /// <summary>
    /// Converts an oracle's label to the label column's raw type; throws a FormatException saying
    /// why not. Nothing is rounded: a fractional number for an integer or key column, and a key
    /// above the column's key count, are refused.
    /// </summary>
    public static object Normalize(object label, DataViewType type)
    {
        var raw = type.RawType;
        if (raw == typeof(ReadOnlyMemory<char>))
            return label is ReadOnlyMemory<char> m ? m.ToString() : Convert.ToString(label, CultureInfo.InvariantCulture) ?? "";
        object value = label switch
        {
            string s => FromText(s, type),
            ReadOnlyMemory<char> memory => FromText(memory.ToString(), type),
            _ => FromNumber(label, type),
        };
        if (type is KeyDataViewType key && value is uint k && k > key.Count)
            throw new FormatException($"key {k} is above the column's key count {key.Count}");
        return value;
    }

    private static object FromText(string text, DataViewType type)
    {
        try
        {
            return Parse(text, type);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new FormatException($"label '{text}' cannot be read as {type}", e);
        }
    }

    private static object FromNumber(object label, DataViewType type)
    {
        var raw = type.RawType;
        bool integral = raw == typeof(int) || raw == typeof(long) || raw == typeof(uint);
        if (integral && label is float or double or decimal && System.Convert.ToDouble(label, CultureInfo.InvariantCulture) is var number && number != Math.Floor(number))
            throw new FormatException($"{Format(label)} is not a whole number, so it cannot be {(type is KeyDataViewType ? "a key" : $"a {raw.Name}")}");
        try
        {
            if (raw == typeof(float)) return System.Convert.ToSingle(label, CultureInfo.InvariantCulture);
            if (raw == typeof(double)) return System.Convert.ToDouble(label, CultureInfo.InvariantCulture);
            if (raw == typeof(int)) return System.Convert.ToInt32(label, CultureInfo.InvariantCulture);
            if (raw == typeof(long)) return System.Convert.ToInt64(label, CultureInfo.InvariantCulture);
            if (raw == typeof(uint)) return System.Convert.ToUInt32(label, CultureInfo.InvariantCulture);
            if (raw == typeof(bool)) return System.Convert.ToBoolean(label, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is InvalidCastException or OverflowException)
        {
            throw new FormatException($"label '{label}' cannot be read as {type}", e);
        }
        throw new NotSupportedException($"Label columns of type {type} are not supported (use text, a number, a bool or a key).");
    }

    /// <summary>Reads a label from checkpoint text.</summary>
    public static object Parse(string text, DataViewType type)
    {
        var raw = type.RawType;
        var c = CultureInfo.InvariantCulture;
        if (raw == typeof(ReadOnlyMemory<char>)) return text;
        if (raw == typeof(float)) return float.Parse(text, NumberStyles.Float, c);
        if (raw == typeof(double)) return double.Parse(text, NumberStyles.Float, c);
        if (raw == typeof(int)) return int.Parse(text, NumberStyles.Integer, c);
        if (raw == typeof(long)) return long.Parse(text, NumberStyles.Integer, c);
        if (raw == typeof(uint)) return uint.Parse(text, NumberStyles.Integer, c);
        if (raw == typeof(bool)) return bool.Parse(text);
        throw new NotSupportedException($"Label columns of type {type} are not supported (use text, a number, a bool or a key).");
    }

    /// <summary>Writes a normalized label as checkpoint text (round-trips exactly).</summary>
    public static string Format(object label) => label switch
    {
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => label.ToString() ?? "",
    };

    /// <summary>Reads the current row's label from a row as a normalized label object.</summary>
    public static Func<object> Reader(DataViewRow row, DataViewSchema.Column column)
    {
        var raw = column.Type.RawType;
        if (raw == typeof(ReadOnlyMemory<char>)) { var g = row.GetGetter<ReadOnlyMemory<char>>(column); return () => { ReadOnlyMemory<char> v = default; g(ref v); return v.ToString(); }; }
        if (raw == typeof(float)) return Boxed<float>(row, column);
        if (raw == typeof(double)) return Boxed<double>(row, column);
        if (raw == typeof(int)) return Boxed<int>(row, column);
        if (raw == typeof(long)) return Boxed<long>(row, column);
        if (raw == typeof(uint)) return Boxed<uint>(row, column);
        if (raw == typeof(bool)) return Boxed<bool>(row, column);
        throw new NotSupportedException($"Label column '{column.Name}' of type {column.Type} is not supported (use text, a number, a bool or a key).");
    }

    /// <summary>A getter of the label column's type that returns <paramref name="current"/>().</summary>
    public static Delegate Getter(DataViewType type, Func<object> current)
    {
        var raw = type.RawType;
        if (raw == typeof(ReadOnlyMemory<char>)) return (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) => v = ((string)current()).AsMemory());
        if (raw == typeof(float)) return (ValueGetter<float>)((ref float v) => v = (float)current());
        if (raw == typeof(double)) return (ValueGetter<double>)((ref double v) => v = (double)current());
        if (raw == typeof(int)) return (ValueGetter<int>)((ref int v) => v = (int)current());
        if (raw == typeof(long)) return (ValueGetter<long>)((ref long v) => v = (long)current());
        if (raw == typeof(uint)) return (ValueGetter<uint>)((ref uint v) => v = (uint)current());
        if (raw == typeof(bool)) return (ValueGetter<bool>)((ref bool v) => v = (bool)current());
        throw new NotSupportedException($"Label columns of type {type} are not supported (use text, a number, a bool or a key).");
    }

    private static Func<object> Boxed<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<T>(column);
        return () =>
        {
            T value = default!;
            getter(ref value);
            return value!;
        };
    }
}
