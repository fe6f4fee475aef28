namespace Energizer.ML.Loop;

/// <summary>
/// Gives labels for the rows the loop selects: a label column in experiments
/// (<see cref="Oracles.FromLabelColumn"/>), a person in real work (<see cref="Oracles.Console"/>).
/// </summary>
public interface IOracle
{
    /// <summary>
    /// Labels the queried rows one by one. Each answer is validated and checkpointed as soon as
    /// it arrives, so a person's work is never lost; an answer with a null label skips that row
    /// (it stays unlabelled and may be asked again later).
    /// </summary>
    IAsyncEnumerable<OracleAnswer> LabelAsync(OracleQuery query, CancellationToken cancellationToken);
}
