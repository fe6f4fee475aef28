using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Energizer.ML.Labelling;

/// <summary>Writes pixel values as an 8-bit PNG (grey or RGB), the format every browser shows.</summary>
internal static class PngImage
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <param name="pixels">width × height × channels values, planar or interleaved.</param>
    /// <param name="width">Pixels per row.</param>
    /// <param name="height">Rows.</param>
    /// <param name="channels">1 or 3.</param>
    /// <param name="maximum">The value written as 255.</param>
    /// <param name="interleaved">Whether a pixel's channels are adjacent (else one plane per channel).</param>
    public static byte[] Encode(ReadOnlySpan<float> pixels, int width, int height, int channels, float maximum, bool interleaved)
    {
        int plane = width * height;
        // Each scanline starts with its filter type (0: none).
        var raw = new byte[height * ((width * channels) + 1)];
        int at = 0;
        for (int y = 0; y < height; y++)
        {
            raw[at++] = 0;
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < channels; c++)
                {
                    int source = interleaved ? (((y * width) + x) * channels) + c : (c * plane) + (y * width) + x;
                    float value = pixels[source] / maximum * 255f;
                    raw[at++] = (byte)Math.Clamp(MathF.Round(float.IsNaN(value) ? 0 : value), 0, 255);
                }
            }
        }
        using var png = new MemoryStream();
        png.Write(Signature);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bits per channel
        header[9] = channels == 1 ? (byte)0 : (byte)2; // colour type: grey or RGB
        WriteChunk(png, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(raw);
            WriteChunk(png, "IDAT", compressed.ToArray());
        }
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream png, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        Span<byte> typeBytes = stackalloc byte[4];
        for (int i = 0; i < 4; i++) typeBytes[i] = (byte)type[i];
        png.Write(typeBytes);
        png.Write(data);
        var crc = new Crc32();
        crc.Append(typeBytes);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(number, crc.GetCurrentHashAsUInt32());
        png.Write(number);
    }
}
