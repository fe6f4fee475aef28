using System.Buffers.Binary;
using System.Text;

namespace Energizer.ML.Torch.OnnxExport;

/// <summary>
/// The few protocol-buffer encodings an ONNX model needs (varints, length-delimited fields,
/// 32-bit floats, nested messages), written to a growing buffer. ONNX's schema is small and
/// stable, so writing its field numbers here avoids generated code and a protobuf dependency.
/// </summary>
internal sealed class ProtoWriter
{
    private const int Varint = 0, Fixed32 = 5, LengthDelimited = 2;

    private readonly MemoryStream _buffer = new();

    public byte[] ToArray() => _buffer.ToArray();

    public void Int64(int field, long value)
    {
        Tag(field, Varint);
        WriteVarint(unchecked((ulong)value));
    }

    public void Int64s(int field, IEnumerable<long> values)
    {
        foreach (long value in values) Int64(field, value);
    }

    public void Float(int field, float value)
    {
        Tag(field, Fixed32);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _buffer.Write(bytes);
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, LengthDelimited);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    /// <summary>A nested message: written to its own buffer, then length-prefixed.</summary>
    public void Message(int field, Action<ProtoWriter> write)
    {
        var nested = new ProtoWriter();
        write(nested);
        Bytes(field, nested._buffer.GetBuffer().AsSpan(0, (int)nested._buffer.Length));
    }

    private void Tag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.WriteByte((byte)value);
    }
}
