using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Loop;

/// <summary>What the loop asks an oracle: the selected rows, best first, with all their pool columns.</summary>
public sealed class OracleQuery
{
    internal OracleQuery(int round, IReadOnlyList<long> rowIds, IDataView rows, string rowIdColumnName, DataViewType labelType)
    {
        Round = round;
        RowIds = rowIds;
        Rows = rows;
        RowIdColumnName = rowIdColumnName;
        LabelType = labelType;
    }

    /// <summary>The label column's name (an oracle for people hides it: it holds the answer, or nothing).</summary>
    public string LabelColumnName { get; init; } = "Label";

    /// <summary>Labels the loop held when it asked (before any answer to this query).</summary>
    public int LabelledCount { get; init; }

    /// <summary>The run's label budget, when it has one.</summary>
    public int? Budget { get; init; }

    /// <summary>The reports of the rounds finished so far (the learning curve up to this query).</summary>
    public IReadOnlyList<RoundReport> History { get; init; } = [];

    /// <summary>
    /// <see cref="Rows"/> scored lazily by the model that selected them (its Score and PredictedLabel
    /// columns: a hint for a person), or null when no model has been fitted yet (the initial set,
    /// the cold-start query, or a query resumed from a checkpoint before the next fit).
    /// </summary>
    public IDataView? ScoredRows { get; init; }

    /// <summary>The round asking (−1 for the initial labelled set).</summary>
    public int Round { get; }

    /// <summary>The ids of the rows to label, best first.</summary>
    public IReadOnlyList<long> RowIds { get; }

    /// <summary>The selected pool rows (in pool order), with an Int64 column <see cref="RowIdColumnName"/>.</summary>
    public IDataView Rows { get; }

    /// <summary>The name of the Int64 row-id column in <see cref="Rows"/>.</summary>
    public string RowIdColumnName { get; }

    /// <summary>The type answers must have (the label column's type).</summary>
    public DataViewType LabelType { get; }
}
