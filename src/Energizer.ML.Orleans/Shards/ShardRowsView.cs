using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Orleans.Shards;

/// <summary>
/// A shard's rows as one part of its pool: every cursor's row id (<see cref="DataViewRowId"/>) is
/// the row's global position, so that fresh MC-Dropout masks, drawn from (seed, row id, pass),
/// are the ones the whole pool would give that row (docs/design.md, "Random state while scoring").
/// Positions stay the shard's own, 0-based.
/// </summary>
internal sealed class ShardRowsView(IDataView rows, long firstRow) : IDataView
{
    public bool CanShuffle => false;

    public DataViewSchema Schema => rows.Schema;

    public long? GetRowCount() => rows.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(rows.GetRowCursor(columnsNeeded), firstRow);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded)];

    private sealed class Cursor(DataViewRowCursor input, long firstRow) : DataViewRowCursor
    {
        public override DataViewSchema Schema => input.Schema;

        public override long Position => input.Position;

        public override long Batch => input.Batch;

        public override bool IsColumnActive(DataViewSchema.Column column) => input.IsColumnActive(column);

        public override bool MoveNext() => input.MoveNext();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => input.GetGetter<TValue>(column);

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId value) => value = new DataViewRowId((ulong)(firstRow + input.Position), 0);

        protected override void Dispose(bool disposing)
        {
            if (disposing) input.Dispose();
            base.Dispose(disposing);
        }
    }
}
