namespace Energizer.ML.Orleans;

/// <summary>Retries of <see cref="OrleansPoolScorer"/>'s shard calls.</summary>
public sealed class OrleansPoolScorerOptions
{
    /// <summary>
    /// How long a shard is retried after calls that fail for the cluster's reasons (a silo died,
    /// a call timed out): its grain reactivates on a surviving silo once the cluster has declared
    /// the dead one dead. Default 3 minutes. A shard that cannot be read fails at once.
    /// </summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>The pause between two tries of a shard. Default 1 second.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long one shard call may take before it is abandoned and tried again. Default 10 minutes.
    /// Orleans's own response timeout (<c>MessagingOptions.ResponseTimeout</c>, 30 s by default)
    /// applies first: set it above a shard's scoring time on the client.
    /// </summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Called as each shard's answer arrives (from a thread-pool thread), for progress reports.</summary>
    public Action<ShardRound>? ShardAnswered { get; set; }
}
