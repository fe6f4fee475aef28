using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Torch;

/// <summary>
/// The lazy output of <see cref="TorchClassifierTransformer.Transform"/>. A cursor that needs a
/// score runs a second, read-ahead cursor over the input's feature column: when the main cursor
/// enters a new batch, the read-ahead cursor fills a <see cref="FeatureBatchReader"/> with the
/// next rows, one forward scores them, and the main cursor hands the results out row by row
/// while passing its own columns through. Both cursors are unshuffled, so they see the same
/// row order.
/// </summary>
internal sealed class TorchScoredDataView(TorchClassifierTransformer model, IDataView input, DataViewSchema schema) : IDataView
{
    private TorchClassifierTransformer Model => model;

    private IDataView Input => input;

    private int ScoreIndex => input.Schema.Count;

    private int PredictedLabelIndex => input.Schema.Count + 1;

    public bool CanShuffle => false;

    public DataViewSchema Schema => schema;

    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        bool scoring = needed.Contains(ScoreIndex) || needed.Contains(PredictedLabelIndex);
        var main = input.GetRowCursor(input.Schema.Where(c => needed.Contains(c.Index)));
        FeatureBatchReader? reader = null;
        if (scoring)
        {
            var ahead = input.GetRowCursor([input.Schema[model.FeatureColumnName]]);
            reader = new FeatureBatchReader(ahead, model.FeatureColumnName, model.Options.BatchSize);
            return new Cursor(this, main, ahead, reader);
        }
        return new Cursor(this, main, null, reader);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly TorchScoredDataView _view;
        private readonly DataViewRowCursor _main;
        private readonly DataViewRowCursor? _ahead;
        private readonly FeatureBatchReader? _reader;
        private readonly SparseFirstLayer? _sparse;
        private readonly float[] _probabilities = [];
        private readonly uint[] _predicted = [];
        private int _row = -1;

        public Cursor(TorchScoredDataView view, DataViewRowCursor main, DataViewRowCursor? ahead, FeatureBatchReader? reader)
        {
            _view = view;
            _main = main;
            _ahead = ahead;
            _reader = reader;
            if (reader is not null)
            {
                _probabilities = new float[reader.BatchSize * view.Model.ClassCount];
                _predicted = new uint[reader.BatchSize];
                _sparse = SparseFirstLayer.For(view.Model.Network);
            }
        }

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _main.Position;

        public override long Batch => _main.Batch;

        public override bool MoveNext()
        {
            if (!_main.MoveNext()) return false;
            if (_reader is null) return true;
            if (++_row >= _reader.Count)
            {
                if (!_reader.ReadBatch())
                    throw new InvalidOperationException("The input gave the scoring read-ahead cursor fewer rows than the main cursor; its cursors must return the same rows in the same order.");
                _view.Model.Score(_reader, _sparse, _probabilities, _predicted);
                _row = 0;
            }
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => _main.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index < _view.ScoreIndex ? _main.IsColumnActive(_view.Input.Schema[column.Index]) : _reader is not null;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < _view.ScoreIndex) return _main.GetGetter<TValue>(_view.Input.Schema[column.Index]);
            if (_reader is null) throw new InvalidOperationException($"Column '{column.Name}' was not asked for when the cursor was made.");
            int classes = _view.Model.ClassCount;
            Delegate getter = column.Index == _view.ScoreIndex
                ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
                {
                    var editor = VBufferEditor.Create(ref value, classes);
                    _probabilities.AsSpan(_row * classes, classes).CopyTo(editor.Values);
                    value = editor.Commit();
                })
                : (ValueGetter<uint>)((ref uint value) => value = _predicted[_row]);
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _main.Dispose();
                _ahead?.Dispose();
                _sparse?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
