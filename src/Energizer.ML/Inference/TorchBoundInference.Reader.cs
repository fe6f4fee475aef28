using Energizer.ML.Numerics;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace Energizer.ML.Inference;

/// <summary>
/// Reading pool batches: features (dense, or sparse through <see cref="SparseFirstLayer"/> when
/// the first layer is a Linear that runs before any dropout), row ids for fresh masks, and
/// embedding columns.
/// </summary>
internal sealed partial class TorchBoundInference
{
    private sealed class Reader : InferenceReader
    {
        private readonly TorchBoundInference _bound;
        private readonly DataViewRowCursor _cursor;
        private readonly EmbeddingColumn.Reader? _embedding;
        private readonly Action _readEmbedding;
        private readonly Action _readRowId;
        private DataViewRowId[] _rowIds = [];
        private float[] _embeddings = [];
        private int _rows;

        public Reader(TorchBoundInference bound, DataViewRowCursor cursor)
        {
            _bound = bound;
            _cursor = cursor;
            _embedding = bound._embeddingColumn?.CreateReader(cursor);
            _readEmbedding = () => { };
            if (_embedding is not null) _readEmbedding = ReadEmbedding;
            // Only fresh masks are keyed by row id.
            _readRowId = () => { };
            if (bound._mc is { Consistent: false })
            {
                var rowId = cursor.GetIdGetter();
                _readRowId = () => rowId(ref _rowIds[_rows]);
            }
            if (bound._sparseFirstLayer) _sparse = SparseFirstLayer.For(bound._network);
        }

        private readonly SparseFirstLayer? _sparse;

        public override void Dispose()
        {
            _sparse?.Dispose();
            base.Dispose();
        }

        private FeatureBatchReader Features(int maxRows) =>
            _featuresCache is { } f && f.BatchSize == maxRows ? f : _featuresCache = new FeatureBatchReader(_cursor, _bound._model.FeatureColumnName, maxRows);

        private FeatureBatchReader? _featuresCache;

        private void ReadEmbedding()
        {
            int size = _embedding!.Size;
            if (_embeddings.Length < (_rows + 1) * size) Array.Resize(ref _embeddings, Math.Max(size, _embeddings.Length * 2));
            _embedding.Read(_embeddings.AsSpan(_rows * size, size));
        }

        public override (ProbabilityTensor Probabilities, float[]? Embeddings)? Next(int maxRows, Action onRow)
        {
            var features = Features(maxRows);
            _rows = 0;
            if (_rowIds.Length < maxRows) _rowIds = new DataViewRowId[maxRows];
            bool any = features.ReadBatch(() =>
            {
                onRow();
                _readRowId();
                _readEmbedding();
                _rows++;
            });
            if (!any) return null;
            int n = features.Count;
            using var scope = NewDisposeScope();
            // Sparse rows (e.g. text n-grams) go through the first Linear by their non-zeros only;
            // every later layer sees dense activations.
            float[] probabilities;
            float[]? networkEmbeddings;
            if (_sparse is not null && SparseFirstLayer.Takes(features))
            {
                _bound.NoteSparseBatchOnTorch();
                (probabilities, networkEmbeddings) = _bound.Run(_sparse.Forward(features.SparseBatch()), _rowIds, layersDone: 1);
            }
            else
            {
                (probabilities, networkEmbeddings) = _bound._onnxPart is not null
                    ? _bound.RunOnnx(features.Features, n, _rowIds)
                    : _bound.Run(features.FeaturesTensor(_bound._model.Device), _rowIds);
            }
            float[]? embeddings = networkEmbeddings;
            if (_embedding is not null) embeddings = _embeddings.AsSpan(0, n * _embedding.Size).ToArray();
            return (new ProbabilityTensor(probabilities, _bound.Iterations, n, _bound.ClassCount), embeddings);
        }
    }
}
