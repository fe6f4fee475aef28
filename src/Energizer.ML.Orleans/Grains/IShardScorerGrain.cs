using Energizer.ML.Orleans.Wire;

namespace Energizer.ML.Orleans.Grains;

/// <summary>Scores one shard of a pool (the grain's key is the shard's name) and returns its best rows.</summary>
[Alias("Energizer.ML.Orleans.IShardScorerGrain")]
internal interface IShardScorerGrain : IGrainWithStringKey
{
    /// <summary>Scores the call's shard with the call's model and recipe.</summary>
    [Alias("Score")]
    Task<ShardCandidates> Score(ShardScoringCall call);
}
