using Energizer.ML.Numerics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Inference;

/// <summary>Reads each committee member's probabilities: T = K members.</summary>
internal sealed class EnsembleInference : InferenceMode
{
    public override string Name => "Ensemble";

    /// <inheritdoc />
    public override int? PassesPerRow => null;

    public override BoundInference Bind(ITransformer learner, DataViewSchema poolSchema, string? embeddingColumnName, bool needEmbeddings)
    {
        ArgumentNullException.ThrowIfNull(learner);
        var (prefix, ensemble) = LearnerChains.FindLast<EnsembleTransformer>(learner)
            ?? throw new ArgumentException(
                "Ensemble inference needs a learner fitted from mlContext.ActiveLearning().Ensemble(...) (a committee of K members); "
                + $"this one ends with {LearnerChains.LastName(learner)}. Use InferenceMode.Deterministic or InferenceMode.McDropout instead.", nameof(learner));
        var prepared = prefix?.GetOutputSchema(poolSchema) ?? poolSchema;
        var embedding = EmbeddingColumn.Resolve(prepared, embeddingColumnName, needEmbeddings, "an ensemble has no single network to take a penultimate layer from");
        return new Bound(prefix, ensemble, embedding);
    }

    private sealed class Bound(ITransformer? prefix, EnsembleTransformer ensemble, EmbeddingColumn? embedding) : BoundInference
    {
        public override int ClassCount => ensemble.ScoreType.Size;

        public override int Iterations => ensemble.Members.Count;

        public override int EmbeddingSize => Embedding?.Size ?? 0;

        public EmbeddingColumn? Embedding { get; } = embedding;

        public override IDataView Prepare(IDataView pool) => ensemble.Transform(prefix?.Transform(pool) ?? pool);

        public override IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema prepared)
        {
            for (int k = 0; k < ensemble.Members.Count; k++) yield return prepared[EnsembleTransformer.MemberScoreName(k)];
            if (Embedding is not null) yield return prepared[Embedding.Name];
        }

        public override InferenceReader CreateReader(DataViewRowCursor cursor) => new Reader(this, cursor);

        private sealed class Reader : InferenceReader
        {
            private readonly Bound _bound;
            private readonly DataViewRowCursor _cursor;
            private readonly ValueGetter<VBuffer<float>>[] _members;
            private readonly EmbeddingColumn.Reader? _embedding;
            private VBuffer<float> _row;

            public Reader(Bound bound, DataViewRowCursor cursor)
            {
                _bound = bound;
                _cursor = cursor;
                _members = [.. Enumerable.Range(0, bound.Iterations)
                    .Select(k => cursor.GetGetter<VBuffer<float>>(cursor.Schema[EnsembleTransformer.MemberScoreName(k)]))];
                _embedding = bound.Embedding?.CreateReader(cursor);
            }

            public override (ProbabilityTensor Probabilities, float[]? Embeddings)? Next(int maxRows, Action onRow)
            {
                int k = _bound.Iterations, c = _bound.ClassCount;
                var rows = new List<float[]>();
                var embeddings = _embedding is null ? null : new List<float[]>();
                while (rows.Count < maxRows && _cursor.MoveNext())
                {
                    onRow();
                    var row = new float[k * c];
                    for (int t = 0; t < k; t++)
                    {
                        _members[t](ref _row);
                        _row.CopyTo(row.AsSpan(t * c, c));
                    }
                    rows.Add(row);
                    if (_embedding is not null)
                    {
                        var e = new float[_embedding.Size];
                        _embedding.Read(e);
                        embeddings!.Add(e);
                    }
                }
                if (rows.Count == 0) return null;
                int n = rows.Count;
                var values = new float[k * n * c];
                for (int i = 0; i < n; i++)
                    for (int t = 0; t < k; t++)
                        rows[i].AsSpan(t * c, c).CopyTo(values.AsSpan(((t * n) + i) * c, c));
                return (new ProbabilityTensor(values, k, n, c), embeddings?.SelectMany(e => e).ToArray());
            }
        }
    }
}
