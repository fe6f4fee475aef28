using Energizer.ML.Loop;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Orleans.Shards;

/// <summary>
/// A pool stored as shards (<see cref="ShardSource"/>), read as one <see cref="IDataView"/>: the
/// shards' rows one after the other, row ids (positions and <see cref="DataViewRowId"/>s) global.
/// The loop reads it like any pool; <see cref="OrleansPoolScorer"/> scores its shards on a
/// cluster; and the loop's reads of labelled rows open only the shards that hold them
/// (<see cref="IRowSubsetSource"/>). Every shard is opened and counted when the pool is made, so a
/// shard that is missing, empty or of another schema fails here, naming it, before any label is asked.
/// </summary>
public sealed class ShardedPool : IDataView, IRowSubsetSource
{
    private readonly IDataView[] _views;
    private readonly long[] _firstRows;

    /// <summary>Opens and counts every shard.</summary>
    /// <exception cref="InvalidDataException">A shard cannot be read, is empty, or has other columns than the first.</exception>
    public ShardedPool(MLContext context, IEnumerable<ShardSource> shards)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(shards);
        Shards = [.. shards];
        if (Shards.Count == 0) throw new ArgumentException("A sharded pool needs at least one shard.", nameof(shards));
        _views = new IDataView[Shards.Count];
        _firstRows = new long[Shards.Count];
        long rows = 0;
        for (int s = 0; s < Shards.Count; s++)
        {
            var view = Shards[s].Open(context);
            if (s > 0) CheckSchema(Shards[s], view.Schema, Shards[0], _views[0].Schema);
            long count = CountRows(view);
            if (count == 0) throw new InvalidDataException($"Shard {Shards[s].Name} is empty: a pool's shards must hold rows.");
            _views[s] = view;
            _firstRows[s] = rows;
            rows += count;
        }
        RowCount = rows;
        Schema = _views[0].Schema;
        SchemaSignature = SignatureOf(Schema);
    }

    /// <summary>The shards, in pool order.</summary>
    public IReadOnlyList<ShardSource> Shards { get; }

    /// <summary>Rows in all shards.</summary>
    public long RowCount { get; }

    /// <summary>The global id of each shard's first row.</summary>
    public IReadOnlyList<long> FirstRows => _firstRows;

    /// <inheritdoc />
    public bool CanShuffle => false;

    /// <inheritdoc />
    public DataViewSchema Schema { get; }

    /// <summary>Every column's name and type, as text: silos compare their shard's to it.</summary>
    internal string SchemaSignature { get; }

    /// <summary>Rows in shard <paramref name="shard"/>.</summary>
    public long RowsOf(int shard) => (shard + 1 < _firstRows.Length ? _firstRows[shard + 1] : RowCount) - _firstRows[shard];

    /// <inheritdoc />
    public long? GetRowCount() => RowCount;

    /// <inheritdoc />
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new ConcatenatedCursor(this, columnsNeeded, null);

    /// <inheritdoc />
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded)];

    /// <inheritdoc />
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, IReadOnlySet<long> positions)
    {
        ArgumentNullException.ThrowIfNull(positions);
        return new ConcatenatedCursor(this, columnsNeeded, [.. positions.Where(p => p >= 0 && p < RowCount).Order()]);
    }

    /// <summary>Every column's name and type (hidden ones included), as text.</summary>
    internal static string SignatureOf(DataViewSchema schema) => string.Join(", ", schema.Select(c => $"{c.Name}: {c.Type}"));

    /// <summary>Throws, naming <paramref name="shard"/>, unless its columns are <paramref name="first"/>'s.</summary>
    internal static void CheckSchema(ShardSource shard, DataViewSchema schema, ShardSource first, DataViewSchema expected) =>
        CheckSchema(shard, SignatureOf(schema), $"the pool's first shard ({first.Name})", SignatureOf(expected));

    /// <summary>Throws, naming <paramref name="shard"/>, unless its signature is <paramref name="expected"/>.</summary>
    internal static void CheckSchema(ShardSource shard, string signature, string expectedOwner, string expected)
    {
        if (signature != expected)
            throw new InvalidDataException($"Shard {shard.Name} has the columns [{signature}], but {expectedOwner} has [{expected}]: every shard of a pool must have the same schema.");
    }

    /// <summary>Rows of a shard: its own count, or one pass when it has none.</summary>
    internal static long CountRows(IDataView view)
    {
        if (view.GetRowCount() is { } known) return known;
        using var cursor = view.GetRowCursor([]);
        long rows = 0;
        while (cursor.MoveNext()) rows++;
        return rows;
    }

    /// <summary>The shards' rows one after the other; with positions, only those rows, opening only the shards that hold them.</summary>
    private sealed class ConcatenatedCursor : DataViewRowCursor
    {
        private readonly ShardedPool _pool;
        private readonly DataViewSchema.Column[] _columns;
        private readonly bool[] _active;
        private readonly long[]? _wanted;
        private readonly Dictionary<int, Func<DataViewRowCursor, Delegate>> _getterFactories = [];
        private readonly Dictionary<int, Delegate> _getters = [];
        private DataViewRowCursor? _shard;
        private int _shardIndex = -1;
        private int _next;
        private long _position = -1;

        public ConcatenatedCursor(ShardedPool pool, IEnumerable<DataViewSchema.Column> columnsNeeded, long[]? wanted)
        {
            _pool = pool;
            _columns = [.. columnsNeeded];
            _active = new bool[pool.Schema.Count];
            foreach (var column in _columns) _active[column.Index] = true;
            _wanted = wanted;
        }

        public override DataViewSchema Schema => _pool.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override bool MoveNext()
        {
            long target = _position + 1;
            if (_wanted is not null)
            {
                if (_next >= _wanted.Length) return false;
                target = _wanted[_next++];
            }
            if (target >= _pool.RowCount) return false;
            int shard = ShardOf(target);
            if (shard != _shardIndex) Open(shard);
            long local = target - _pool._firstRows[shard];
            while (_shard!.Position < local)
            {
                if (!_shard.MoveNext())
                    throw new InvalidDataException($"Shard {_pool.Shards[shard].Name} ended before its row {local}: it changed after the pool was opened.");
            }
            _position = target;
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) => value = new DataViewRowId((ulong)_position, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_active[column.Index]) throw new InvalidOperationException($"Column '{column.Name}' was not asked for when the cursor was opened.");
            int index = column.Index;
            _getterFactories[index] = cursor => cursor.GetGetter<TValue>(cursor.Schema[index]);
            if (_shard is not null) _getters[index] = _getterFactories[index](_shard);
            return (ref TValue value) =>
            {
                if (_shard is null) throw new InvalidOperationException("The cursor is not on a row: call MoveNext first.");
                ((ValueGetter<TValue>)_getters[index])(ref value);
            };
        }

        private int ShardOf(long row)
        {
            int found = Array.BinarySearch(_pool._firstRows, row);
            return found >= 0 ? found : ~found - 1;
        }

        private void Open(int shard)
        {
            _shard?.Dispose();
            var view = _pool._views[shard];
            _shard = view.GetRowCursor(_columns.Select(c => view.Schema[c.Index]));
            _shardIndex = shard;
            foreach (var (index, factory) in _getterFactories) _getters[index] = factory(_shard);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _shard?.Dispose();
            base.Dispose(disposing);
        }
    }
}
