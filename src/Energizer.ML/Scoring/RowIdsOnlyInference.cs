using Energizer.ML.Inference;
using Energizer.ML.Numerics;
using Microsoft.ML;

namespace Energizer.ML.Scoring;

/// <summary>
/// What the scorer binds instead of the inference mode when the strategy reads no predictions
/// (<see cref="Acquisition.AcquisitionStrategy.NeedsPredictions"/>): it reads no column and runs
/// no learner, and every row's probabilities are one certain class (T = 1, C = 1).
/// </summary>
internal sealed class RowIdsOnlyInference : BoundInference
{
    public override int ClassCount => 1;

    public override int Iterations => 1;

    public override int EmbeddingSize => 0;

    public override IDataView Prepare(IDataView pool) => pool;

    public override IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema prepared) => [];

    public override InferenceReader CreateReader(DataViewRowCursor cursor) => new Reader(cursor);

    private sealed class Reader(DataViewRowCursor cursor) : InferenceReader
    {
        public override (ProbabilityTensor Probabilities, float[]? Embeddings)? Next(int maxRows, Action onRow)
        {
            int rows = 0;
            while (rows < maxRows && cursor.MoveNext())
            {
                onRow();
                rows++;
            }
            if (rows == 0) return null;
            var certain = new float[rows];
            Array.Fill(certain, 1f);
            return (new ProbabilityTensor(certain, 1, rows, 1), null);
        }
    }
}
