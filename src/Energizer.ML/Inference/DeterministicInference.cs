using Energizer.ML.Numerics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Inference;

/// <summary>
/// Reads the learner's <c>Score</c> column (multiclass) or <c>Probability</c> column (calibrated
/// binary) on the pool: T = 1. Works for any ML.NET classifier.
/// </summary>
internal sealed class DeterministicInference(InferenceEngine engine) : InferenceMode
{
    public override string Name => engine == InferenceEngine.Auto ? "Deterministic" : $"Deterministic({engine})";

    /// <inheritdoc />
    public override InferenceEngine Engine => engine;

    /// <inheritdoc />
    public override string Fingerprint => $"Deterministic(engine={engine})";

    /// <inheritdoc />
    public override InferenceMode WithEngine(InferenceEngine engine) =>
        !Enum.IsDefined(engine) ? throw new ArgumentOutOfRangeException(nameof(engine), engine, "Unknown inference engine.")
        : engine == Engine ? this : new DeterministicInference(engine);

    /// <inheritdoc />
    public override int? PassesPerRow => 1;

    public override BoundInference Bind(ITransformer learner, DataViewSchema poolSchema, string? embeddingColumnName, bool needEmbeddings)
    {
        ArgumentNullException.ThrowIfNull(learner);
        ArgumentNullException.ThrowIfNull(poolSchema);
        if (LearnerChains.FindLast<Onnx.OnnxClassifier>(learner) is { } onnx)
            return new OnnxBoundInference(onnx.Prefix, onnx.Model, poolSchema, embeddingColumnName, needEmbeddings, iterations: null);
        // A TorchClassifier runs its network directly: one batched forward, no per-row Score vectors,
        // and its penultimate layer is there for diversity strategies.
        if (LearnerChains.Find(learner) is { } torch)
            return new TorchBoundInference(torch.Prefix, torch.Model, poolSchema, embeddingColumnName, needEmbeddings, mc: null, engine);
        var output = learner.GetOutputSchema(poolSchema);
        var embedding = EmbeddingColumn.Resolve(poolSchema, embeddingColumnName, needEmbeddings,
            "deterministic inference has no network to take a penultimate layer from");
        var score = output.GetColumnOrNull("Score");
        if (score is { } s && s.Type is VectorDataViewType { ItemType: NumberDataViewType n, Size: > 1 } v && n.RawType == typeof(float))
            return new Bound(learner, "Score", v.Size, binary: false, embedding);
        if (output.GetColumnOrNull("Probability") is { Type: NumberDataViewType p } && p.RawType == typeof(float))
            return new Bound(learner, "Probability", 2, binary: true, embedding);
        if (score is { Type: NumberDataViewType } && output.GetColumnOrNull("PredictedLabel") is { Type: BooleanDataViewType })
            throw new ArgumentException(
                "The learner is an uncalibrated binary trainer (e.g. LinearSvm or AveragedPerceptron): it outputs a raw 'Score' margin "
                + "and no 'Probability', and acquisition strategies need class probabilities. Append a calibrator to the trainer, "
                + "e.g. trainer.Append(mlContext.BinaryClassification.Calibrators.Platt()), or use a calibrated trainer such as "
                + "LbfgsLogisticRegression or SdcaLogisticRegression.",
                nameof(learner));
        throw new ArgumentException(
            "Deterministic inference needs a learner that outputs a 'Score' column of class probabilities (a multiclass trainer) "
            + "or a 'Probability' column (a calibrated binary trainer); this learner outputs "
            + (score is null ? "no 'Score' column" : $"'Score' of type {score.Value.Type}") + ".",
            nameof(learner));
    }

    /// <summary>Reads <see cref="Column"/> of the learner's output: C probabilities, or a binary <c>Probability</c>.</summary>
    private sealed class Bound(ITransformer learner, string column, int classes, bool binary, EmbeddingColumn? embedding) : BoundInference
    {
        public override int ClassCount { get; } = classes;

        public override int Iterations => 1;

        public override int EmbeddingSize => Embedding?.Size ?? 0;

        public string Column { get; } = column;

        public bool Binary { get; } = binary;

        public EmbeddingColumn? Embedding { get; } = embedding;

        public override IDataView Prepare(IDataView pool) => learner.Transform(pool);

        public override IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema prepared)
        {
            yield return prepared[Column];
            if (Embedding is not null) yield return prepared[Embedding.Name];
        }

        public override InferenceReader CreateReader(DataViewRowCursor cursor) => new Reader(this, cursor);

        private sealed class Reader : InferenceReader
        {
            private readonly Bound _bound;
            private readonly ValueGetter<VBuffer<float>>? _score;
            private readonly ValueGetter<float>? _probability;
            private readonly EmbeddingColumn.Reader? _embedding;
            private VBuffer<float> _row;

            public Reader(Bound bound, DataViewRowCursor cursor)
            {
                _bound = bound;
                var column = cursor.Schema[bound.Column];
                if (bound.Binary) _probability = cursor.GetGetter<float>(column);
                else _score = cursor.GetGetter<VBuffer<float>>(column);
                _embedding = bound.Embedding?.CreateReader(cursor);
                Cursor = cursor;
            }

            private DataViewRowCursor Cursor { get; }

            public override (ProbabilityTensor Probabilities, float[]? Embeddings)? Next(int maxRows, Action onRow)
            {
                int classes = _bound.ClassCount;
                var values = new float[maxRows * classes];
                var embeddings = _embedding is null ? null : new float[maxRows * _embedding.Size];
                int rows = 0;
                while (rows < maxRows && Cursor.MoveNext())
                {
                    onRow();
                    var target = values.AsSpan(rows * classes, classes);
                    if (_probability is not null)
                    {
                        float p = 0;
                        _probability(ref p);
                        target[0] = 1 - p;
                        target[1] = p;
                    }
                    else
                    {
                        _score!(ref _row);
                        _row.CopyTo(target);
                    }
                    _embedding?.Read(embeddings.AsSpan(rows * _embedding.Size, _embedding.Size));
                    rows++;
                }
                if (rows == 0) return null;
                if (rows < maxRows)
                {
                    Array.Resize(ref values, rows * classes);
                    if (embeddings is not null) Array.Resize(ref embeddings, rows * _embedding!.Size);
                }
                return (new ProbabilityTensor(values, 1, rows, classes), embeddings);
            }
        }
    }
}
