using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Scoring;

/// <summary>
/// A pool without a label column (a person labels it) seen with one whose every value is missing
/// (empty text, NaN, key 0): a learner's label transforms (<c>MapValueToKey</c>) need the column to
/// exist when the fitted model scores the pool, though its values play no part in scoring.
/// </summary>
internal sealed class MissingLabelView : IDataView
{
    private readonly IDataView _pool;
    private readonly Delegate _getter;

    public MissingLabelView(IDataView pool, string labelColumnName, DataViewType labelType)
    {
        _pool = pool;
        Schema = SchemaOf(pool.Schema, labelColumnName, labelType);
        _getter = labelType.RawType switch
        {
            var t when t == typeof(ReadOnlyMemory<char>) => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) => value = ReadOnlyMemory<char>.Empty),
            var t when t == typeof(float) => (ValueGetter<float>)((ref float value) => value = float.NaN),
            var t when t == typeof(double) => (ValueGetter<double>)((ref double value) => value = double.NaN),
            var t when t == typeof(uint) => (ValueGetter<uint>)((ref uint value) => value = 0),
            var t when t == typeof(int) => (ValueGetter<int>)((ref int value) => value = 0),
            var t when t == typeof(long) => (ValueGetter<long>)((ref long value) => value = 0),
            var t when t == typeof(bool) => (ValueGetter<bool>)((ref bool value) => value = false),
            _ => throw new NotSupportedException($"Label columns of type {labelType} are not supported (use text, a number, a bool or a key)."),
        };
    }

    /// <summary>The schema of such a view over a pool of <paramref name="poolSchema"/>.</summary>
    public static DataViewSchema SchemaOf(DataViewSchema poolSchema, string labelColumnName, DataViewType labelType)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(poolSchema);
        builder.AddColumn(labelColumnName, labelType);
        return builder.ToSchema();
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _pool.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, _pool.GetRowCursor(_pool.Schema.Where(c => columnsNeeded.Any(n => n.Index == c.Index))), columnsNeeded.Any(c => c.Index == _pool.Schema.Count));

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        bool label = columnsNeeded.Any(c => c.Index == _pool.Schema.Count);
        return [.. _pool.GetRowCursorSet(_pool.Schema.Where(c => columnsNeeded.Any(x => x.Index == c.Index)), n, rand).Select(cursor => new Cursor(this, cursor, label))];
    }

    private sealed class Cursor(MissingLabelView view, DataViewRowCursor input, bool labelActive) : DataViewRowCursor
    {
        public override DataViewSchema Schema => view.Schema;

        public override long Position => input.Position;

        public override long Batch => input.Batch;

        public override bool MoveNext() => input.MoveNext();

        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index == view._pool.Schema.Count ? labelActive : input.IsColumnActive(view._pool.Schema[column.Index]);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < view._pool.Schema.Count) return input.GetGetter<TValue>(view._pool.Schema[column.Index]);
            return view._getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Label column '{column.Name}' is of type {column.Type}, not {typeof(TValue).Name}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) input.Dispose();
            base.Dispose(disposing);
        }
    }
}
