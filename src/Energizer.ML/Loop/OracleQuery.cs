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
