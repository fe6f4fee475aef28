using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Scoring;

/// <summary>Reads a user id column of any integer type (or key type) as a long.</summary>
internal static class IdReader
{
    public static Func<long> Create(DataViewRow row, DataViewSchema.Column column)
    {
        var type = column.Type.RawType;
        if (type == typeof(long)) { var g = row.GetGetter<long>(column); return () => { long v = 0; g(ref v); return v; }; }
        if (type == typeof(int)) { var g = row.GetGetter<int>(column); return () => { int v = 0; g(ref v); return v; }; }
        if (type == typeof(uint)) { var g = row.GetGetter<uint>(column); return () => { uint v = 0; g(ref v); return v; }; }
        if (type == typeof(ulong))
        {
            var g = row.GetGetter<ulong>(column);
            return () =>
            {
                ulong v = 0;
                g(ref v);
                return v <= long.MaxValue ? (long)v : throw new InvalidOperationException($"Id {v} in column '{column.Name}' does not fit in a long.");
            };
        }
        throw new ArgumentException(
            $"Id column '{column.Name}' must hold integers (Int32, Int64, UInt32, UInt64 or a key type); it is {column.Type}.", nameof(column));
    }

    /// <summary>Throws unless <paramref name="column"/> can be read by <see cref="Create"/>.</summary>
    public static void Check(DataViewSchema.Column column)
    {
        var type = column.Type.RawType;
        if (type != typeof(long) && type != typeof(int) && type != typeof(uint) && type != typeof(ulong))
            throw new ArgumentException(
                $"Id column '{column.Name}' must hold integers (Int32, Int64, UInt32, UInt64 or a key type); it is {column.Type}.");
    }
}
