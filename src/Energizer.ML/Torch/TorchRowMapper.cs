using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Torch;

/// <summary>
/// Scores single rows for <see cref="PredictionEngine{TSrc, TDst}"/>: one forward per input
/// row, run when a score getter is first called at that row position.
/// </summary>
internal sealed class TorchRowMapper(TorchClassifierTransformer model, DataViewSchema inputSchema, DataViewSchema outputSchema) : IRowToRowMapper
{
    private TorchClassifierTransformer Model => model;

    public DataViewSchema InputSchema => inputSchema;

    public DataViewSchema OutputSchema => outputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var columns = dependingColumns.ToList();
        var inputs = columns.Where(c => c.Index < inputSchema.Count).Select(c => inputSchema[c.Index]).ToList();
        if (columns.Any(c => c.Index >= inputSchema.Count) && !inputs.Any(c => c.Name == model.FeatureColumnName && !c.IsHidden))
            inputs.Add(inputSchema[model.FeatureColumnName]);
        return inputs;
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new MappedRow(this, input, activeColumns.Any(c => c.Index >= inputSchema.Count));

    private sealed class MappedRow : DataViewRow
    {
        private readonly TorchRowMapper _mapper;
        private readonly DataViewRow _input;
        private readonly FeatureBatchReader? _reader;
        private readonly SparseFirstLayer? _sparse;
        private readonly float[] _probabilities = [];
        private readonly uint[] _predicted = new uint[1];
        private long _scoredPosition = -1;

        public MappedRow(TorchRowMapper mapper, DataViewRow input, bool scoring)
        {
            _mapper = mapper;
            _input = input;
            if (scoring)
            {
                _reader = new FeatureBatchReader(input, mapper.Model.FeatureColumnName, batchSize: 1, labelColumnName: null);
                _probabilities = new float[mapper.Model.ClassCount];
                _sparse = SparseFirstLayer.For(mapper.Model.Network);
            }
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index < _mapper.InputSchema.Count ? _input.IsColumnActive(_mapper.InputSchema[column.Index]) : _reader is not null;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int inputCount = _mapper.InputSchema.Count;
            if (column.Index < inputCount) return _input.GetGetter<TValue>(_mapper.InputSchema[column.Index]);
            if (_reader is null) throw new InvalidOperationException($"Column '{column.Name}' was not asked for when the row was made.");
            Delegate getter = column.Index == inputCount
                ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
                {
                    EnsureScored();
                    new VBuffer<float>(_probabilities.Length, _probabilities).CopyTo(ref value);
                })
                : (ValueGetter<uint>)((ref uint value) =>
                {
                    EnsureScored();
                    value = _predicted[0];
                });
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
        }

        private void EnsureScored()
        {
            // Score and PredictedLabel of one row share one forward.
            if (_scoredPosition == _input.Position && _scoredPosition >= 0) return;
            _reader!.ReadCurrentRow();
            _mapper.Model.Score(_reader, _sparse, _probabilities, _predicted);
            _scoredPosition = _input.Position;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _sparse?.Dispose();
            base.Dispose(disposing);
        }
    }
}
