namespace Energizer.ML.Orleans;

/// <summary>One shard's part of a round (<see cref="PoolScoringRound"/>).</summary>
/// <param name="Shard">The shard's name.</param>
/// <param name="Silo">The silo that scored it (the last try's).</param>
/// <param name="Rows">Rows it read.</param>
/// <param name="Seconds">Seconds the silo spent scoring it.</param>
/// <param name="Attempts">Calls made: 1 unless a try failed for the cluster's reasons.</param>
public sealed record ShardRound(string Shard, string Silo, long Rows, double Seconds, int Attempts);
