using System.Buffers.Binary;
using System.IO.Compression;

namespace FashionMnistSample;

/// <summary>
/// Reads the IDX files of (Fashion-)MNIST, gzipped or not: big-endian magic 2051 for images
/// (then count, rows, columns, pixels) and 2049 for labels (then count, labels).
/// </summary>
public static class IdxReader
{
    /// <summary>The four files, as Debian's dataset-fashion-mnist package installs them.</summary>
    public static readonly string[] Files = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    /// <summary>Reads up to <paramref name="limit"/> images and their labels; errors name the file and what is wrong.</summary>
    public static List<ModelInput> Read(string imagesPath, string labelsPath, int limit)
    {
        var (count, rows, columns, pixels) = ReadImages(imagesPath, limit);
        var labels = ReadLabels(labelsPath, count);
        var result = new List<ModelInput>(count);
        int size = rows * columns;
        for (int i = 0; i < count; i++)
        {
            var features = new float[size];
            for (int p = 0; p < size; p++) features[p] = pixels[(i * size) + p] / 255f;
            result.Add(new ModelInput { Features = features, Label = labels[i] });
        }
        return result;
    }

    private static (int Count, int Rows, int Columns, byte[] Pixels) ReadImages(string path, int limit)
    {
        using var stream = Open(path);
        int magic = ReadInt(stream, path), count = ReadInt(stream, path), rows = ReadInt(stream, path), columns = ReadInt(stream, path);
        if (magic != 2051) throw new InvalidDataException($"{path}: magic number {magic}, expected 2051 for an IDX image file.");
        if (rows != 28 || columns != 28) throw new InvalidDataException($"{path}: images are {rows}×{columns}; this sample's network expects 28×28.");
        int take = Math.Min(count, limit);
        var pixels = new byte[take * rows * columns];
        stream.ReadExactly(pixels);
        return (take, rows, columns, pixels);
    }

    private static byte[] ReadLabels(string path, int count)
    {
        using var stream = Open(path);
        int magic = ReadInt(stream, path), total = ReadInt(stream, path);
        if (magic != 2049) throw new InvalidDataException($"{path}: magic number {magic}, expected 2049 for an IDX label file.");
        if (total < count) throw new InvalidDataException($"{path}: {total} labels for {count} images.");
        var labels = new byte[count];
        stream.ReadExactly(labels);
        int bad = Array.FindIndex(labels, l => l > 9);
        if (bad >= 0) throw new InvalidDataException($"{path}: label {labels[bad]} of image {bad} is not a class 0..9.");
        return labels;
    }

    private static Stream Open(string path)
    {
        Stream file = File.OpenRead(path);
        return path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    private static int ReadInt(Stream stream, string path)
    {
        Span<byte> bytes = stackalloc byte[4];
        try
        {
            stream.ReadExactly(bytes);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: the file ends inside its header.", e);
        }
        return BinaryPrimitives.ReadInt32BigEndian(bytes);
    }
}
