using Microsoft.ML;

namespace Energizer.ML.Orleans.Shards;

/// <summary>
/// Rows <see cref="FirstRow"/>..<see cref="FirstRow"/> + <see cref="Rows"/> − 1 of a seeded synthetic
/// pool (<see cref="ShardSource.Synthetic"/>): nothing is stored, every value is a pure function of
/// (seed, global row, feature), so any machine reads the same rows.
/// </summary>
[GenerateSerializer]
[Alias("Energizer.ML.Orleans.SyntheticShardSource")]
public sealed class SyntheticShardSource : ShardSource
{
    /// <summary>One range of the synthetic pool.</summary>
    public SyntheticShardSource(int seed, long firstRow, long rows, int features, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        Seed = seed;
        FirstRow = firstRow;
        Rows = rows;
        Features = features;
        Classes = classes;
    }

    /// <summary>The pool's seed.</summary>
    [Id(0)]
    public int Seed { get; }

    /// <summary>The pool row this shard starts at (its rows' values depend on it).</summary>
    [Id(1)]
    public long FirstRow { get; }

    /// <summary>Rows in this shard.</summary>
    [Id(2)]
    public long Rows { get; }

    /// <summary>Length of the "Features" vector.</summary>
    [Id(3)]
    public int Features { get; }

    /// <summary>Classes of the "Label" key.</summary>
    [Id(4)]
    public int Classes { get; }

    /// <inheritdoc />
    public override string Name => FormattableString.Invariant($"synthetic shard (seed {Seed}, rows {FirstRow}..{FirstRow + Rows - 1})");

    internal override IDataView Open(MLContext context) => new SyntheticRowsView(this);
}
