using Microsoft.ML;

namespace Energizer.ML.Orleans.Shards;

/// <summary>
/// One shard of a pool that every silo (and the client) can read: a file of ML.NET's binary
/// <c>IDataView</c> format, a CSV/TSV file read with a text loader the user configures, or a seeded
/// synthetic source for tests and benchmarks. A <see cref="ShardedPool"/> is a list of them; its
/// row ids are global: shard s's row r is row <c>(rows of shards 0..s−1) + r</c>.
/// </summary>
[GenerateSerializer]
public abstract class ShardSource
{
    /// <summary>A name for messages: the file, or the synthetic source's range.</summary>
    public abstract string Name { get; }

    /// <summary>A shard stored in ML.NET's binary <c>IDataView</c> format (<c>mlContext.Data.SaveAsBinary</c>).</summary>
    public static ShardSource Binary(string path) => new BinaryShardSource(path);

    /// <summary>A CSV/TSV shard read with <paramref name="format"/>.</summary>
    public static ShardSource Text(string path, TextShardFormat format) => new TextShardSource(path, format);

    /// <summary>
    /// Splits a seeded synthetic pool of <paramref name="rows"/> rows into shards of
    /// <paramref name="shardRows"/> rows (the last one shorter): a "Features" vector of
    /// <paramref name="features"/> values and a "Label" key of <paramref name="classes"/> classes, each
    /// row a pure function of (seed, global row).
    /// </summary>
    public static IReadOnlyList<ShardSource> Synthetic(int seed, long rows, long shardRows, int features, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        var shards = new List<ShardSource>();
        for (long first = 0; first < rows; first += shardRows)
            shards.Add(new SyntheticShardSource(seed, first, Math.Min(shardRows, rows - first), features, classes));
        return shards;
    }

    /// <summary>Opens the shard's rows; throws <see cref="InvalidDataException"/> naming the shard when it cannot be read.</summary>
    internal abstract IDataView Open(MLContext context);

    /// <inheritdoc />
    public override string ToString() => Name;
}
