using Energizer.ML.Numerics;

namespace Energizer.ML.Inference;

/// <summary>Reads rows from a cursor and turns them into class probabilities, a batch at a time.</summary>
public abstract class InferenceReader : IDisposable
{
    /// <summary>
    /// Moves the cursor over up to <paramref name="maxRows"/> rows, calling
    /// <paramref name="onRow"/> after each move (so the caller can read ids), and returns their
    /// probabilities (T×N×C) and embeddings (N×D, or null); null when the cursor is exhausted.
    /// </summary>
    public abstract (ProbabilityTensor Probabilities, float[]? Embeddings)? Next(int maxRows, Action onRow);

    /// <inheritdoc />
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
