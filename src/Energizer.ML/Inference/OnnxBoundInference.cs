using Energizer.ML.Numerics;
using Energizer.ML.Onnx;
using Energizer.ML.Torch;
using Microsoft.ML;

namespace Energizer.ML.Inference;

/// <summary>
/// Scores pool batches with an <see cref="OnnxClassifier"/> on ONNX Runtime: one run per batch in
/// eval mode (T = 1), or for MC-Dropout one run on the batch repeated T times with the model's
/// dropout switch on (fresh masks for every row and pass), giving [t][n][c] probabilities.
/// Embeddings come from a pool column when one is named, else from the model's embedding output
/// (an eval-mode run: the same run as the probabilities when deterministic, one more with MC-Dropout).
/// </summary>
internal sealed class OnnxBoundInference : BoundInference
{
    private readonly ITransformer? _prefix;
    private readonly OnnxClassifier _model;
    private readonly EmbeddingColumn? _embeddingColumn;
    private readonly int? _iterations;
    private readonly bool _modelEmbeddings;
    private readonly OnnxClassifier _mcModel;

    /// <summary>Binds <paramref name="model"/>; MC-Dropout passes run on <paramref name="mcModel"/> when given (its re-export with another rate or consistent masks).</summary>
    public OnnxBoundInference(ITransformer? prefix, OnnxClassifier model, DataViewSchema poolSchema, string? embeddingColumnName, bool needEmbeddings, int? iterations,
        OnnxClassifier? mcModel = null)
    {
        ArgumentNullException.ThrowIfNull(poolSchema);
        if (iterations is not null && !model.HasDropoutSwitch)
            throw new ArgumentException(
                $"MC-Dropout needs the ONNX model's boolean input '{model.Options.TrainingModeName}' that switches its dropouts on; this model has none. "
                + "Export a network with dropout (TorchOnnxExporter), set OnnxClassifierOptions.TrainingModeName, or use InferenceMode.Deterministic.");
        _prefix = prefix;
        _model = model;
        _mcModel = mcModel ?? model;
        _iterations = iterations;
        var prepared = prefix?.GetOutputSchema(poolSchema) ?? poolSchema;
        model.CheckFeatures(prepared);
        _embeddingColumn = EmbeddingColumn.Resolve(prepared, embeddingColumnName, needEmbeddings && model.EmbeddingSize == 0,
            $"this ONNX model has no embedding output '{model.Options.EmbeddingName}' (TorchOnnxExporter writes one for Sequential networks)");
        _modelEmbeddings = needEmbeddings && _embeddingColumn is null;
    }

    public override int ClassCount => _model.ClassCount;

    /// <inheritdoc />
    internal override string Engine => $"OnnxRuntime (OnnxClassifier, {_model.ExecutionProvider})";

    public override int Iterations => _iterations ?? 1;

    public override int EmbeddingSize => _embeddingColumn?.Size ?? (_modelEmbeddings ? _model.EmbeddingSize : 0);

    public override IDataView Prepare(IDataView pool) => _prefix?.Transform(pool) ?? pool;

    public override IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema prepared)
    {
        yield return prepared[_model.FeatureColumnName];
        if (_embeddingColumn is not null) yield return prepared[_embeddingColumn.Name];
    }

    public override InferenceReader CreateReader(DataViewRowCursor cursor) => new Reader(this, cursor);

    private sealed class Reader(OnnxBoundInference bound, DataViewRowCursor cursor) : InferenceReader
    {
        private readonly EmbeddingColumn.Reader? _embedding = bound._embeddingColumn?.CreateReader(cursor);
        private FeatureBatchReader? _features;
        private float[] _repeated = [];

        public override (ProbabilityTensor Probabilities, float[]? Embeddings)? Next(int maxRows, Action onRow)
        {
            if (_features is null || _features.BatchSize != maxRows)
                _features = new FeatureBatchReader(cursor, bound._model.FeatureColumnName, maxRows);
            var embeddings = _embedding is null ? null : new float[maxRows * _embedding.Size];
            int rows = 0;
            if (!_features.ReadBatch(() =>
            {
                onRow();
                _embedding?.Read(embeddings.AsSpan(rows * _embedding.Size, _embedding.Size));
                rows++;
            }))
            {
                return null;
            }
            int passes = bound.Iterations, width = _features.FeatureCount;
            float[] probabilities;
            if (bound._iterations is null)
            {
                (probabilities, var modelEmbeddings) = bound._model.Run(_features.Features, rows, training: false, bound._modelEmbeddings);
                embeddings ??= modelEmbeddings;
            }
            else
            {
                if (bound._modelEmbeddings) embeddings = bound._model.Run(_features.Features, rows, training: false, embeddings: true).Embeddings;
                // The batch repeated T times in one run: pass t is rows [t·N, (t+1)·N), i.e. layout [t][n][c].
                int size = rows * width;
                if (_repeated.Length < passes * size) _repeated = new float[passes * size];
                for (int t = 0; t < passes; t++) _features.Features.AsSpan(0, size).CopyTo(_repeated.AsSpan(t * size, size));
                probabilities = bound._mcModel.Run(_repeated, passes * rows, training: true);
            }
            if (_embedding is not null && rows < maxRows) Array.Resize(ref embeddings, rows * _embedding.Size);
            return (new ProbabilityTensor(probabilities, passes, rows, bound.ClassCount), embeddings);
        }
    }
}
