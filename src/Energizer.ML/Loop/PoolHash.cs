using System.Buffers.Binary;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Energizer.ML.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Loop;

/// <summary>
/// SHA-256 hashes that tell one pool from another of the same size and schema: one of every row
/// id in pool order, one of the content of about <see cref="ContentSample"/> evenly spaced rows
/// (every visible column, bytes as stored), so a checkpoint is not resumed on other rows.
/// </summary>
internal static class PoolHash
{
    private const int ContentSample = 64;

    private static readonly MethodInfo ScalarWriterMethod = typeof(PoolHash).GetMethod(nameof(ScalarWriter), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo VectorWriterMethod = typeof(PoolHash).GetMethod(nameof(VectorWriter), BindingFlags.NonPublic | BindingFlags.Static)!;

    public static (string RowIds, string Content) Of(IDataView pool, string? idColumnName, long rows)
    {
        var columns = pool.Schema.Where(c => !c.IsHidden).ToList();
        using var cursor = pool.GetRowCursor(columns);
        Func<long> id = idColumnName is null ? () => cursor.Position : IdReader.Create(cursor, pool.Schema[idColumnName]);
        using var ids = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var content = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var writers = columns.Select(c => Writer(cursor, c, content)).ToList();
        long stride = Math.Max(1, rows / ContentSample);
        Span<byte> idBytes = stackalloc byte[sizeof(long)];
        while (cursor.MoveNext())
        {
            BinaryPrimitives.WriteInt64LittleEndian(idBytes, id());
            ids.AppendData(idBytes);
            if (cursor.Position % stride != 0) continue;
            foreach (var write in writers) write();
        }
        return (Convert.ToHexString(ids.GetHashAndReset()), Convert.ToHexString(content.GetHashAndReset()));
    }

    /// <summary>Appends the current row's value of <paramref name="column"/> to <paramref name="hash"/>; text as UTF-8, numbers as their bytes.</summary>
    private static Action Writer(DataViewRow row, DataViewSchema.Column column, IncrementalHash hash)
    {
        var type = column.Type;
        if (type is TextDataViewType)
        {
            var text = row.GetGetter<ReadOnlyMemory<char>>(column);
            ReadOnlyMemory<char> value = default;
            return () =>
            {
                text(ref value);
                AppendText(hash, value.Span);
            };
        }
        if (type is VectorDataViewType { ItemType: TextDataViewType })
        {
            var texts = row.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column);
            VBuffer<ReadOnlyMemory<char>> value = default;
            return () =>
            {
                texts(ref value);
                foreach (var item in value.DenseValues()) AppendText(hash, item.Span);
            };
        }
        var itemType = type is VectorDataViewType vector ? vector.ItemType.RawType : type.RawType;
        MethodInfo method;
        try
        {
            method = (type is VectorDataViewType ? VectorWriterMethod : ScalarWriterMethod).MakeGenericMethod(itemType);
        }
        catch (ArgumentException)
        {
            // A value with references (an image, a custom type): its bytes are not its content, so only the schema speaks for it.
            return () => { };
        }
        return (Action)method.Invoke(null, [row, column, hash])!;
    }

    private static Action ScalarWriter<T>(DataViewRow row, DataViewSchema.Column column, IncrementalHash hash)
        where T : unmanaged
    {
        var getter = row.GetGetter<T>(column);
        T value = default;
        return () =>
        {
            getter(ref value);
            hash.AppendData(MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)));
        };
    }

    private static Action VectorWriter<T>(DataViewRow row, DataViewSchema.Column column, IncrementalHash hash)
        where T : unmanaged
    {
        var getter = row.GetGetter<VBuffer<T>>(column);
        VBuffer<T> value = default;
        return () =>
        {
            getter(ref value);
            // Sparse rows hash their indices too: the same values at other slots are other content.
            if (!value.IsDense) hash.AppendData(MemoryMarshal.AsBytes(value.GetIndices()));
            hash.AppendData(MemoryMarshal.AsBytes(value.GetValues()));
        };
    }

    private static void AppendText(IncrementalHash hash, ReadOnlySpan<char> text)
    {
        hash.AppendData(Encoding.UTF8.GetBytes(text.ToArray()));
        hash.AppendData([0]);
    }
}
