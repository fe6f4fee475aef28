namespace Energizer.ML.Scoring;

/// <summary>
/// Scores a pool and selects a round's rows: the one step of the active-learning loop that
/// reads every unlabelled row (docs/design.md, "Pool scorers"). The loop asks its
/// <c>ActiveLearningOptions.PoolScorer</c>; the default, <see cref="InProcessPoolScorer"/>, is the
/// scorer transformer and <see cref="TopKSelector"/> on this machine. Another implementation
/// (Energizer.ML.Orleans spreads the pool's shards over a cluster) must return the selection the
/// default would, so that the loop's results do not depend on where the pool was scored.
/// </summary>
public interface IPoolScorer
{
    /// <summary>Scores <see cref="PoolScoringRequest.Pool"/> with the request's model and returns its best rows.</summary>
    Task<Selection> SelectAsync(PoolScoringRequest request, CancellationToken cancellationToken = default);
}
