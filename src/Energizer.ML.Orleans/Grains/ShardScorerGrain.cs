using Energizer.ML.Orleans.Wire;

namespace Energizer.ML.Orleans.Grains;

/// <summary>
/// One shard's scorer: fetches the round's model through its silo's cache (once per silo and
/// hash), then scores the shard on the silo's scoring threads with the single-machine scorer.
/// Calls to one grain run one at a time, so a try sent again after a timeout waits behind the
/// first and gets its answer (<see cref="ShardScoringCall.CallId"/>).
/// </summary>
internal sealed class ShardScorerGrain(PoolScoringSilo silo) : Grain, IShardScorerGrain
{
    private (string CallId, ShardCandidates Answer)? _last;

    public async Task<ShardCandidates> Score(ShardScoringCall call)
    {
        if (_last is { } last && last.CallId == call.CallId) return last.Answer;
        byte[] model = await silo.ModelAsync(call.ModelHash, GrainFactory);
        var answer = await silo.ScoreAsync(call, model);
        _last = (call.CallId, answer);
        return answer;
    }
}
