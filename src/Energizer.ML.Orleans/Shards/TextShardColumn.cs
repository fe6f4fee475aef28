using Microsoft.ML.Data;

namespace Energizer.ML.Orleans.Shards;

/// <summary>One column of a <see cref="TextShardFormat"/>: fields <see cref="First"/>..<see cref="Last"/> (0-based) read as <see cref="Kind"/>; a scalar when they are the same field, else a vector.</summary>
/// <param name="Name">The column's name.</param>
/// <param name="Kind">The type of its values.</param>
/// <param name="First">The first field.</param>
/// <param name="Last">The last field (equal to <paramref name="First"/> for a scalar column).</param>
[GenerateSerializer]
[Alias("Energizer.ML.Orleans.TextShardColumn")]
public sealed record TextShardColumn(string Name, DataKind Kind, int First, int Last);
