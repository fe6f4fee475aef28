using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Inference;

/// <summary>
/// The lazy output of an ensemble: one cursor per member read side by side. The columns before
/// <c>Score</c> are member 0's output (the input as its pipeline leaves it: a label it mapped to a
/// key, features it computed), so the committee evaluates like a single member would; member 0's
/// own cursor serves them and its <c>Score</c>.
/// </summary>
internal sealed class EnsembleView : IDataView
{
    private readonly EnsembleTransformer _ensemble;
    private readonly IDataView _input;
    private readonly IDataView[] _members;

    public EnsembleView(EnsembleTransformer ensemble, IDataView input)
    {
        _ensemble = ensemble;
        _members = [.. ensemble.Members.Select(m => m.Transform(input))];
        _input = _members[0];
        Schema = BuildSchema(ensemble, input.Schema);
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _input.GetRowCount();

    public static DataViewSchema BuildSchema(EnsembleTransformer ensemble, DataViewSchema input)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var c in ensemble.Members[0].GetOutputSchema(input)) builder.AddColumn(c.Name, c.Type, c.Annotations);
        builder.AddColumn("Score", ensemble.ScoreType, ensemble.ScoreAnnotations);
        builder.AddColumn("PredictedLabel", ensemble.PredictedLabel.Type, ensemble.PredictedLabel.Annotations);
        for (int k = 0; k < ensemble.Members.Count; k++) builder.AddColumn(EnsembleTransformer.MemberScoreName(k), ensemble.ScoreType, ensemble.ScoreAnnotations);
        return builder.ToSchema();
    }

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this, columnsNeeded);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly EnsembleView _view;
        private readonly bool[] _active;
        private readonly DataViewRowCursor _input;
        private readonly DataViewRowCursor[] _members;
        private readonly ValueGetter<VBuffer<float>>[] _scores;
        private readonly VBuffer<float>[] _values;
        private readonly float[][] _aligned;
        private readonly float[] _mean;
        private long _computedAt = -1;

        public Cursor(EnsembleView view, IEnumerable<DataViewSchema.Column> columnsNeeded)
        {
            _view = view;
            _active = new bool[view.Schema.Count];
            foreach (var c in columnsNeeded) _active[c.Index] = true;
            int inputCount = view._input.Schema.Count;
            bool anyScore = _active.Skip(inputCount).Any(a => a);
            var score = view._input.Schema["Score"];
            _input = view._input.GetRowCursor(view._input.Schema.Where(c => _active[c.Index] || (anyScore && c.Index == score.Index)));
            _members = anyScore ? [_input, .. view._members.Skip(1).Select(m => m.GetRowCursor([m.Schema["Score"]]))] : [];
            _scores = [.. _members.Select(m => m.GetGetter<VBuffer<float>>(m.Schema["Score"]))];
            _values = new VBuffer<float>[_members.Length];
            _aligned = [.. _members.Select(_ => new float[view._ensemble.ScoreType.Size])];
            _mean = new float[view._ensemble.ScoreType.Size];
        }

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _input.Position;

        public override long Batch => 0;

        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool MoveNext()
        {
            if (!_input.MoveNext()) return false;
            foreach (var member in _members.Skip(1))
            {
                if (!member.MoveNext()) throw new InvalidOperationException("An ensemble member's output ended before member 0's.");
            }
            return true;
        }

        private void Compute()
        {
            if (_computedAt == _input.Position) return;
            Array.Clear(_mean);
            for (int k = 0; k < _members.Length; k++)
            {
                _scores[k](ref _values[k]);
                // Member k's classes in member 0's order (the same unless their key values differ).
                var order = _view._ensemble.MemberClassOrder[k];
                int c = 0;
                foreach (float v in _values[k].DenseValues()) _aligned[k][order is null ? c++ : order[c++]] = v;
                for (c = 0; c < _mean.Length; c++) _mean[c] += _aligned[k][c] / _members.Length;
            }
            _computedAt = _input.Position;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_active[column.Index])
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when this cursor was created.");
            int inputCount = _view._input.Schema.Count;
            if (column.Index < inputCount) return _input.GetGetter<TValue>(_view._input.Schema[column.Index]);
            Delegate getter;
            if (column.Index == inputCount)
            {
                getter = (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
                {
                    Compute();
                    new VBuffer<float>(_mean.Length, (float[])_mean.Clone()).CopyTo(ref value);
                });
            }
            else if (column.Index == inputCount + 1)
            {
                getter = (ValueGetter<uint>)((ref uint value) =>
                {
                    Compute();
                    int best = 0;
                    for (int c = 1; c < _mean.Length; c++) if (_mean[c] > _mean[best]) best = c;
                    value = (uint)best + 1;
                });
            }
            else
            {
                int k = column.Index - inputCount - 2;
                getter = (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
                {
                    Compute();
                    var editor = VBufferEditor.Create(ref value, _aligned[k].Length);
                    _aligned[k].CopyTo(editor.Values);
                    value = editor.Commit();
                });
            }
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _input.Dispose();
                foreach (var m in _members.Skip(1)) m.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
