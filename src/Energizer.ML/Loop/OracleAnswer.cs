namespace Energizer.ML.Loop;

/// <summary>One label from an oracle: the row id it was asked about and the label (null to skip the row).</summary>
/// <param name="RowId">The row's id in the pool.</param>
/// <param name="Label">The label, of the label column's type (string, number, bool...), or null to skip.</param>
public readonly record struct OracleAnswer(long RowId, object? Label)
{
    /// <summary>
    /// True when this answer takes back the earlier answer about <see cref="RowId"/> in the same
    /// query (a person's undo): the row's label is removed from the checkpoint and the row counts
    /// as unanswered again, so the oracle must answer it again before the query ends.
    /// </summary>
    public bool Retracts { get; init; }

    /// <summary>An answer that takes back the earlier answer about <paramref name="rowId"/> in the same query (see <see cref="Retracts"/>).</summary>
    public static OracleAnswer Retract(long rowId) => new(rowId, null) { Retracts = true };
}
