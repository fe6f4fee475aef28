using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Torch;

/// <summary>The key values (class names) of a training label, kept to annotate PredictedLabel and to save with the model.</summary>
internal sealed class KeyValueSet
{
    // Type codes in saved models; never renumber.
    private static readonly (byte Code, PrimitiveDataViewType Type)[] Supported =
    [
        (1, TextDataViewType.Instance),
        (2, NumberDataViewType.Single),
        (3, NumberDataViewType.Double),
        (4, NumberDataViewType.Int32),
        (5, NumberDataViewType.Int64),
        (6, NumberDataViewType.UInt32),
        (7, NumberDataViewType.UInt64),
        (8, BooleanDataViewType.Instance),
    ];

    private static readonly MethodInfo ReadAnnotationMethod =
        typeof(KeyValueSet).GetMethod(nameof(ReadAnnotation), BindingFlags.NonPublic | BindingFlags.Static)!;

    private static readonly MethodInfo BuildAnnotationsMethod =
        typeof(KeyValueSet).GetMethod(nameof(BuildAnnotations), BindingFlags.NonPublic | BindingFlags.Static)!;

    private KeyValueSet(PrimitiveDataViewType itemType, Array values)
    {
        ItemType = itemType;
        Values = values;
        Annotations = (DataViewSchema.Annotations)BuildAnnotationsMethod.MakeGenericMethod(itemType.RawType).Invoke(null, [itemType, values])!;
        Text = [.. values.Cast<object>().Select(v => v is ReadOnlyMemory<char> text ? text.ToString() : Convert.ToString(v, CultureInfo.InvariantCulture) ?? "")];
    }

    public PrimitiveDataViewType ItemType { get; }

    public Array Values { get; }

    /// <summary>A KeyValues annotation holding <see cref="Values"/>.</summary>
    public DataViewSchema.Annotations Annotations { get; }

    /// <summary>The values as invariant text, used as the Score column's slot names.</summary>
    public IReadOnlyList<string> Text { get; }

    /// <summary>The key values of <paramref name="label"/>, or null when it has none.</summary>
    public static KeyValueSet? From(DataViewSchema.Column label)
    {
        var annotation = label.Annotations.Schema.GetColumnOrNull(TorchClassifierSchema.KeyValues);
        if (annotation?.Type is not VectorDataViewType { ItemType: PrimitiveDataViewType itemType }) return null;
        var values = (Array)ReadAnnotationMethod.MakeGenericMethod(itemType.RawType).Invoke(null, [label.Annotations])!;
        return new KeyValueSet(itemType, values);
    }

    /// <summary>Writes a type code and the values; 0 for none.</summary>
    public static void Write(BinaryWriter writer, KeyValueSet? keyValues)
    {
        if (keyValues is null)
        {
            writer.Write((byte)0);
            return;
        }
        byte code = Supported.FirstOrDefault(s => s.Type.Equals(keyValues.ItemType)).Code;
        if (code == 0)
            throw new NotSupportedException($"Cannot save label key values of type {keyValues.ItemType}; map labels from text or numbers.");
        writer.Write(code);
        writer.Write(keyValues.Values.Length);
        foreach (object value in keyValues.Values)
        {
            switch (value)
            {
                case ReadOnlyMemory<char> text: writer.Write(text.ToString()); break;
                case float f: writer.Write(f); break;
                case double d: writer.Write(d); break;
                case int i: writer.Write(i); break;
                case long l: writer.Write(l); break;
                case uint u: writer.Write(u); break;
                case ulong ul: writer.Write(ul); break;
                case bool b: writer.Write(b); break;
                default: throw new NotSupportedException($"Cannot save a label key value of type {value.GetType()}.");
            }
        }
    }

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    public static KeyValueSet? Read(BinaryReader reader)
    {
        byte code = reader.ReadByte();
        if (code == 0) return null;
        var type = Supported.FirstOrDefault(s => s.Code == code).Type
            ?? throw new InvalidDataException($"Unknown label key value type code {code}.");
        int count = reader.ReadInt32();
        Array values = code switch
        {
            1 => Fill(count, () => reader.ReadString().AsMemory()),
            2 => Fill(count, reader.ReadSingle),
            3 => Fill(count, reader.ReadDouble),
            4 => Fill(count, reader.ReadInt32),
            5 => Fill(count, reader.ReadInt64),
            6 => Fill(count, reader.ReadUInt32),
            7 => Fill(count, reader.ReadUInt64),
            _ => Fill(count, reader.ReadBoolean),
        };
        return new KeyValueSet(type, values);
    }

    private static T[] Fill<T>(int count, Func<T> read)
    {
        var values = new T[count];
        for (int i = 0; i < count; i++) values[i] = read();
        return values;
    }

    private static T[] ReadAnnotation<T>(DataViewSchema.Annotations annotations)
    {
        VBuffer<T> buffer = default;
        annotations.GetValue(TorchClassifierSchema.KeyValues, ref buffer);
        return [.. buffer.DenseValues()];
    }

    private static DataViewSchema.Annotations BuildAnnotations<T>(PrimitiveDataViewType itemType, T[] values)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        ValueGetter<VBuffer<T>> getter = (ref VBuffer<T> destination) => new VBuffer<T>(values.Length, values).CopyTo(ref destination);
        builder.Add(TorchClassifierSchema.KeyValues, new VectorDataViewType(itemType, values.Length), getter);
        return builder.ToAnnotations();
    }
}
