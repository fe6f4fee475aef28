namespace Energizer.ML.Orleans;

/// <summary>What one round of <see cref="OrleansPoolScorer"/> cost: per shard, and bytes on the wire.</summary>
/// <param name="Shards">Each shard's silo, rows, time and tries.</param>
/// <param name="ModelBytes">The model's serialized size: stored once in a model grain, then fetched at most once by each silo.</param>
/// <param name="CallBytes">The shard calls' serialized size, all tries included.</param>
/// <param name="ResultBytes">The shards' answers' serialized size (top k ids and scores, or top M with what a joint pick needs).</param>
/// <param name="Seconds">Wall-clock seconds of the round, from serializing the model to the merged selection.</param>
public sealed record PoolScoringRound(IReadOnlyList<ShardRound> Shards, long ModelBytes, long CallBytes, long ResultBytes, double Seconds)
{
    /// <summary>Bytes the round put on the wire at most: the model to its grain and to every silo that scored, the calls and the answers.</summary>
    public long WireBytes => (ModelBytes * (1 + Shards.Select(s => s.Silo).Distinct().Count())) + CallBytes + ResultBytes;

    /// <summary>Rows per second of scoring time, per silo.</summary>
    public IReadOnlyDictionary<string, double> RowsPerSecondBySilo =>
        Shards.GroupBy(s => s.Silo).ToDictionary(g => g.Key, g => g.Sum(s => s.Rows) / Math.Max(g.Sum(s => s.Seconds), 1e-9));
}
