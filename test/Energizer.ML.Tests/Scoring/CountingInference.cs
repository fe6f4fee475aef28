using Energizer.ML.Inference;
using Energizer.ML.Numerics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Scoring;

/// <summary>
/// An inference mode over <see cref="PoolFixtures"/> pools that counts the bindings it makes and
/// disposes. Pass t gives row n the pool's P rotated by t classes (2 classes, 2 passes: [p, 1 − p]
/// then [1 − p, p]), so rows far from p = 0.5 have passes that disagree.
/// </summary>
internal sealed class CountingInference(int passes) : InferenceMode
{
    private int _bound;
    private int _disposed;

    public int Bound => _bound;

    private int Passes { get; } = passes;

    public int Disposed => _disposed;

    public override string Name => "Counting";

    public override BoundInference Bind(ITransformer learner, DataViewSchema poolSchema, string? embeddingColumnName, bool needEmbeddings)
    {
        Interlocked.Increment(ref _bound);
        return new Binding(this);
    }

    private sealed class Binding(CountingInference mode) : BoundInference
    {
        private bool _done;

        public override int ClassCount => 2;

        public override int Iterations => mode.Passes;

        public override int EmbeddingSize => 0;

        public override IDataView Prepare(IDataView pool) => pool;

        public override IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema prepared) => [prepared["P"]];

        public override InferenceReader CreateReader(DataViewRowCursor cursor) => new Reader(mode.Passes, cursor);

        public override void Dispose()
        {
            if (_done) throw new InvalidOperationException("A binding was disposed twice.");
            _done = true;
            Interlocked.Increment(ref mode._disposed);
            base.Dispose();
        }
    }

    private sealed class Reader(int passes, DataViewRowCursor cursor) : InferenceReader
    {
        private readonly ValueGetter<VBuffer<float>> _p = cursor.GetGetter<VBuffer<float>>(cursor.Schema["P"]);
        private VBuffer<float> _row;

        public override (ProbabilityTensor Probabilities, float[]? Embeddings)? Next(int maxRows, Action onRow)
        {
            var rows = new List<float[]>();
            while (rows.Count < maxRows && cursor.MoveNext())
            {
                onRow();
                _p(ref _row);
                rows.Add(_row.DenseValues().ToArray());
            }
            if (rows.Count == 0) return null;
            int n = rows.Count;
            var values = new float[passes * n * 2];
            for (int t = 0; t < passes; t++)
                for (int i = 0; i < n; i++)
                    for (int c = 0; c < 2; c++) values[(((t * n) + i) * 2) + c] = rows[i][(c + t) % 2];
            return (new ProbabilityTensor(values, passes, n, 2), null);
        }
    }
}
