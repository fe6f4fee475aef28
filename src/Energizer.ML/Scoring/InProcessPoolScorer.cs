namespace Energizer.ML.Scoring;

/// <summary>
/// The default <see cref="IPoolScorer"/>: one scoring pass of the scorer transformer on this
/// machine (<see cref="AcquisitionScorerTransformer.Score"/>), then <see cref="TopKSelector"/>.
/// </summary>
public sealed class InProcessPoolScorer : IPoolScorer
{
    private InProcessPoolScorer()
    {
    }

    /// <summary>The one instance: it keeps no state.</summary>
    public static InProcessPoolScorer Instance { get; } = new();

    /// <inheritdoc />
    public Task<Selection> SelectAsync(PoolScoringRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        // The session's binding (a network copy, cached masks) is freed when the selection is made.
        using var session = new AcquisitionScorerTransformer(request.Model, request.Scorer).Score(request.Pool);
        var selection = TopKSelector.Select(session, request.K, request.Selection);
        selection.Engine = session.Engine;
        return Task.FromResult(selection);
    }
}
