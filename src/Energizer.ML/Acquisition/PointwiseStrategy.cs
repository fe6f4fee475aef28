using Energizer.ML.Numerics;

namespace Energizer.ML.Acquisition;

/// <summary>
/// A strategy that scores each row on its own from its T×C probabilities. Subclasses write
/// <see cref="ScoreRow"/>; validation and the mean over passes are done once here.
/// </summary>
public abstract class PointwiseStrategy : AcquisitionStrategy
{
    /// <inheritdoc />
    public sealed override void Score(AcquisitionBatch batch, Span<float> scores)
    {
        CheckBatch(batch, scores);
        var probabilities = batch.Probabilities;
        Span<double> mean = probabilities.Classes <= 256 ? stackalloc double[probabilities.Classes] : new double[probabilities.Classes];
        for (int n = 0; n < batch.Count; n++)
        {
            probabilities.MeanOf(n, mean);
            scores[n] = (float)ScoreRow(probabilities, n, batch.RowIds[n], mean);
        }
    }

    /// <summary>The score of one row.</summary>
    /// <param name="probabilities">The batch's T×N×C probabilities (already validated).</param>
    /// <param name="row">The row's position in the batch.</param>
    /// <param name="rowId">The row's pool id.</param>
    /// <param name="mean">The row's mean probabilities over the T passes.</param>
    protected abstract double ScoreRow(ProbabilityTensor probabilities, int row, long rowId, ReadOnlySpan<double> mean);
}
