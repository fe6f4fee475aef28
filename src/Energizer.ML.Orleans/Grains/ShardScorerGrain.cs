using Energizer.ML.Orleans.Wire;

namespace Energizer.ML.Orleans.Grains;

/// <summary>
/// One shard's scorer: fetches the round's model through its silo's cache (once per silo and
/// hash), then scores the shard on the silo's scoring threads with the single-machine scorer.
/// </summary>
internal sealed class ShardScorerGrain(PoolScoringSilo silo) : Grain, IShardScorerGrain
{
    public async Task<ShardCandidates> Score(ShardScoringCall call)
    {
        byte[] model = await silo.ModelAsync(call.ModelHash, GrainFactory);
        return await silo.ScoreAsync(call, model);
    }
}
