using Microsoft.ML;

namespace Energizer.ML.Orleans.Shards;

/// <summary>A shard stored in ML.NET's binary <c>IDataView</c> format.</summary>
[GenerateSerializer]
[Alias("Energizer.ML.Orleans.BinaryShardSource")]
public sealed class BinaryShardSource : ShardSource
{
    /// <summary>Names the file.</summary>
    public BinaryShardSource(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
    }

    /// <summary>The file, as every silo sees it (a shared disk or the same path on each machine).</summary>
    [Id(0)]
    public string Path { get; }

    /// <inheritdoc />
    public override string Name => $"binary shard '{Path}'";

    internal override IDataView Open(MLContext context)
    {
        if (!File.Exists(Path)) throw new InvalidDataException($"Shard {Name} cannot be read: the file does not exist.");
        try
        {
            return context.Data.LoadFromBinary(Path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"Shard {Name} cannot be read: {e.Message}", e);
        }
    }
}
