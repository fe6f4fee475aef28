using Microsoft.ML;

namespace Energizer.ML.Loop;

/// <summary>
/// A pool that can read a few of its rows without a pass over all of them (a pool split into
/// shards reads only the shards that hold them). The loop reads labelled rows through it each
/// round when rows are identified by position (<see cref="ActiveLearningOptions.IdColumnName"/> null).
/// </summary>
public interface IRowSubsetSource
{
    /// <summary>
    /// A cursor over the rows at <paramref name="positions"/> only, in increasing position order;
    /// its <c>Position</c> is the row's position in the whole pool.
    /// </summary>
    DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, IReadOnlySet<long> positions);
}
