using Microsoft.ML;

namespace Energizer.ML.Orleans.Shards;

/// <summary>A CSV/TSV shard read with a text loader of the user's columns.</summary>
[GenerateSerializer]
[Alias("Energizer.ML.Orleans.TextShardSource")]
public sealed class TextShardSource : ShardSource
{
    /// <summary>Names the file and how to read it.</summary>
    public TextShardSource(string path, TextShardFormat format)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
        Format = format ?? throw new ArgumentNullException(nameof(format));
    }

    /// <summary>The file, as every silo sees it.</summary>
    [Id(0)]
    public string Path { get; }

    /// <summary>The columns, separator and header.</summary>
    [Id(1)]
    public TextShardFormat Format { get; }

    /// <inheritdoc />
    public override string Name => $"text shard '{Path}'";

    internal override IDataView Open(MLContext context)
    {
        if (!File.Exists(Path)) throw new InvalidDataException($"Shard {Name} cannot be read: the file does not exist.");
        try
        {
            return context.Data.CreateTextLoader(Format.ToLoaderOptions()).Load(Path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"Shard {Name} cannot be read: {e.Message}", e);
        }
    }
}
