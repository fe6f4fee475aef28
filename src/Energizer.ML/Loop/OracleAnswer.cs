namespace Energizer.ML.Loop;

/// <summary>One label from an oracle: the row id it was asked about and the label (null to skip the row).</summary>
/// <param name="RowId">The row's id in the pool.</param>
/// <param name="Label">The label, of the label column's type (string, number, bool...), or null to skip.</param>
public readonly record struct OracleAnswer(long RowId, object? Label);
