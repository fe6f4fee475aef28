using Energizer.ML.Numerics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Orleans.Shards;

/// <summary>
/// The rows of a <see cref="SyntheticShardSource"/>, computed on the fly. Row r's label is a
/// hash of (seed, r) mod C; its features are its class's centre (each feature ±1, a hash of
/// (seed, class, feature)) plus uniform noise in [−2, 2], so classes overlap and a learner is
/// uncertain about some rows.
/// </summary>
internal sealed class SyntheticRowsView : IDataView
{
    private const ulong LabelStream = 101;
    private const ulong CentreStream = 102;
    private const ulong NoiseStream = 103;
    private readonly SyntheticShardSource _source;
    private readonly float[] _centres;

    public SyntheticRowsView(SyntheticShardSource source)
    {
        _source = source;
        _centres = new float[source.Classes * source.Features];
        for (int i = 0; i < _centres.Length; i++) _centres[i] = (SeededHash.Bits(source.Seed, CentreStream, i) & 1) == 0 ? -1f : 1f;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, source.Features));
        builder.AddColumn("Label", new KeyDataViewType(typeof(uint), source.Classes));
        Schema = builder.ToSchema();
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _source.Rows;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this, columnsNeeded);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded)];

    private uint ClassOf(long row) => (uint)(SeededHash.Bits(_source.Seed, LabelStream, row) % (ulong)_source.Classes);

    private sealed class Cursor(SyntheticRowsView view, IEnumerable<DataViewSchema.Column> columnsNeeded) : DataViewRowCursor
    {
        private readonly HashSet<int> _active = [.. columnsNeeded.Select(c => c.Index)];
        private long _position = -1;

        public override DataViewSchema Schema => view.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        private long Row => view._source.FirstRow + _position;

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override bool MoveNext()
        {
            if (_position + 1 >= view._source.Rows) return false;
            _position++;
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) => value = new DataViewRowId((ulong)Row, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            Delegate getter = column.Index switch
            {
                0 => (ValueGetter<VBuffer<float>>)Features,
                1 => (ValueGetter<uint>)((ref uint value) => value = view.ClassOf(Row) + 1),
                _ => throw new ArgumentOutOfRangeException(nameof(column), column.Name, "Not a column of the synthetic pool."),
            };
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
        }

        private void Features(ref VBuffer<float> value)
        {
            int features = view._source.Features;
            long row = Row;
            var centre = view._centres.AsSpan((int)view.ClassOf(row) * features, features);
            var editor = VBufferEditor.Create(ref value, features);
            for (int j = 0; j < features; j++)
                editor.Values[j] = centre[j] + (float)((4 * SeededHash.Uniform(view._source.Seed, NoiseStream, (row * features) + j)) - 2);
            value = editor.Commit();
        }
    }
}
