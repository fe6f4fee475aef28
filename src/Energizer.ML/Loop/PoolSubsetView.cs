using Energizer.ML.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Loop;

/// <summary>
/// Some rows of a pool, lazily: those whose id is in a set, optionally with the label column
/// replaced by (or extended with) labels the oracle gave, and optionally with a row-id column.
/// The learner trains on this view, so it sees labels of labelled rows only.
/// </summary>
internal sealed class PoolSubsetView : IDataView
{
    private readonly IDataView _pool;
    private readonly string? _idColumnName;
    private readonly IReadOnlySet<long> _include;
    private readonly IReadOnlyDictionary<long, object>? _labels;
    private readonly int _labelIndex = -1;
    private readonly int _rowIdIndex = -1;
    private readonly DataViewType? _labelType;

    public PoolSubsetView(IDataView pool, string? idColumnName, IReadOnlySet<long> include,
        (string Name, DataViewType Type, IReadOnlyDictionary<long, object> Labels)? labels, string? rowIdColumnName)
    {
        _pool = pool;
        _idColumnName = idColumnName;
        _include = include;
        var builder = new DataViewSchema.Builder();
        foreach (var column in pool.Schema)
        {
            if (labels is { } l && column.Name == l.Name && !column.IsHidden)
            {
                _labelIndex = column.Index;
                builder.AddColumn(column.Name, l.Type, column.Annotations);
            }
            else
            {
                builder.AddColumn(column.Name, column.Type, column.Annotations);
            }
        }
        int next = pool.Schema.Count;
        if (labels is { } added)
        {
            _labels = added.Labels;
            _labelType = added.Type;
            if (_labelIndex < 0)
            {
                _labelIndex = next++;
                builder.AddColumn(added.Name, added.Type);
            }
        }
        if (rowIdColumnName is not null)
        {
            _rowIdIndex = next;
            builder.AddColumn(rowIdColumnName, NumberDataViewType.Int64);
        }
        Schema = builder.ToSchema();
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _include.Count;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, columnsNeeded);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly PoolSubsetView _view;
        private readonly DataViewRowCursor _input;
        private readonly bool[] _active;
        private readonly Func<long> _id;
        private long _inputPosition = -1;
        private long _position = -1;
        private long _currentId;

        public Cursor(PoolSubsetView view, IEnumerable<DataViewSchema.Column> columnsNeeded)
        {
            _view = view;
            _active = new bool[view.Schema.Count];
            foreach (var c in columnsNeeded) _active[c.Index] = true;
            var poolColumns = view._pool.Schema.Where(c => _active[c.Index] && c.Index != view._labelIndex).ToList();
            DataViewSchema.Column? idColumn = view._idColumnName is null ? null : view._pool.Schema[view._idColumnName];
            if (idColumn is { } id && !poolColumns.Contains(id)) poolColumns.Add(id);
            if (idColumn is null && view._pool is IRowSubsetSource subset)
            {
                // Rows by position from a pool that reads only them (docs/design.md, "Pool scorers").
                _input = subset.GetRowCursor(poolColumns, view._include);
                _id = () => _input.Position;
                return;
            }
            _input = view._pool.GetRowCursor(poolColumns);
            _id = idColumn is { } idc ? IdReader.Create(_input, idc) : () => _inputPosition;
        }

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) => value = new DataViewRowId((ulong)_currentId, 0);

        public override bool MoveNext()
        {
            while (_input.MoveNext())
            {
                _inputPosition++;
                long id = _id();
                if (!_view._include.Contains(id)) continue;
                _currentId = id;
                _position++;
                return true;
            }
            return false;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index == _view._labelIndex && _view._labels is { } labels)
            {
                return LabelValues.Getter(_view._labelType!, () => labels[_currentId]) as ValueGetter<TValue>
                    ?? throw new InvalidOperationException($"Label column '{column.Name}' is of type {column.Type}, not {typeof(TValue).Name}.");
            }
            if (column.Index == _view._rowIdIndex)
                return (ValueGetter<long>)((ref long value) => value = _currentId) as ValueGetter<TValue>
                    ?? throw new InvalidOperationException($"Column '{column.Name}' is Int64, not {typeof(TValue).Name}.");
            return _input.GetGetter<TValue>(_view._pool.Schema[column.Index]);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _input.Dispose();
            base.Dispose(disposing);
        }
    }
}
