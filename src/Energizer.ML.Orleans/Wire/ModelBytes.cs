using System.Security.Cryptography;
using Energizer.ML.Inference;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Orleans.Wire;

/// <summary>
/// A fitted model as bytes for silos. A TorchClassifier at the end of the chain travels as its
/// own stream (<see cref="TorchClassifierTransformer.Save(Stream)"/>: the network itself, so that
/// MC-Dropout on a silo is MC-Dropout on the same weights), the transformers before it as an
/// ML.NET model zip; any other model travels whole as an ML.NET model zip.
/// </summary>
internal static class ModelBytes
{
    private const string Magic = "Energizer.ML.Orleans.Model";
    private const int Version = 1;

    /// <summary>The bytes of <paramref name="model"/>, whose input is rows of <paramref name="poolSchema"/>.</summary>
    public static byte[] Write(MLContext context, ITransformer model, DataViewSchema poolSchema)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            var torch = LearnerChains.Find(model);
            var mlNetPart = torch is { } found ? found.Prefix : model;
            WriteBlock(writer, mlNetPart is null ? null : stream => context.Model.Save(mlNetPart, poolSchema, stream));
            WriteBlock(writer, torch is { } t ? stream => t.Model.Save(stream) : null);
        }
        return buffer.ToArray();
    }

    /// <summary>The model written by <see cref="Write"/>; the caller disposes it (<see cref="Dispose"/>).</summary>
    public static ITransformer Read(MLContext context, byte[] bytes)
    {
        using var buffer = new MemoryStream(bytes, writable: false);
        using var reader = new BinaryReader(buffer, System.Text.Encoding.UTF8, leaveOpen: true);
        if (reader.ReadString() != Magic || reader.ReadInt32() != Version)
            throw new InvalidDataException("These bytes are not a model written by Energizer.ML.Orleans of this version.");
        var mlNet = ReadBlock(reader, stream => context.Model.Load(stream, out _));
        var torch = ReadBlock(reader, stream => TorchClassifierTransformer.Load(stream));
        return (mlNet, torch) switch
        {
            (null, { } t) => t,
            ({ } m, null) => m,
            ({ } m, { } t) => new TransformerChain<ITransformer>(m, t),
            _ => throw new InvalidDataException("The model bytes hold no model."),
        };
    }

    /// <summary>Frees the native memory of a model made by <see cref="Read"/>.</summary>
    public static void Dispose(ITransformer model)
    {
        if (LearnerChains.Find(model) is { } torch) torch.Model.Dispose();
    }

    /// <summary>The SHA-256 of <paramref name="bytes"/>, in hex: the key silos cache the model under.</summary>
    public static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    private static void WriteBlock(BinaryWriter writer, Action<Stream>? write)
    {
        if (write is null)
        {
            writer.Write(-1);
            return;
        }
        using var block = new MemoryStream();
        write(block);
        writer.Write(checked((int)block.Length));
        writer.Write(block.GetBuffer(), 0, (int)block.Length);
    }

    private static T? ReadBlock<T>(BinaryReader reader, Func<Stream, T> read)
        where T : class
    {
        int length = reader.ReadInt32();
        if (length < 0) return null;
        using var block = new MemoryStream(reader.ReadBytes(length), writable: false);
        return read(block);
    }
}
