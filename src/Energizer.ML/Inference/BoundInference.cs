using Energizer.ML.Acquisition;
using Microsoft.ML;

namespace Energizer.ML.Inference;

/// <summary>An <see cref="InferenceMode"/> bound to one fitted learner and one pool schema.</summary>
public abstract class BoundInference : IDisposable
{
    /// <summary>C, the number of classes the learner predicts.</summary>
    public abstract int ClassCount { get; }

    /// <summary>T, the number of probability vectors per row.</summary>
    public abstract int Iterations { get; }

    /// <summary>D, the embedding width, or 0 when this binding produces no embeddings.</summary>
    public abstract int EmbeddingSize { get; }

    /// <summary>The view that batches are read from (the pool itself, or the learner's output on it).</summary>
    public abstract IDataView Prepare(IDataView pool);

    /// <summary>Creates a reader over a cursor of <see cref="Prepare"/>'s view. Readers are not
    /// shared between threads; one binding may serve several readers at once.</summary>
    /// <param name="cursor">A cursor with <see cref="InputColumns"/> active.</param>
    public abstract InferenceReader CreateReader(DataViewRowCursor cursor);

    /// <summary>The columns of <see cref="Prepare"/>'s view that readers read.</summary>
    public abstract IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema prepared);

    /// <summary>Frees what the binding owns (network copies, cached tensors).</summary>
    public virtual void Dispose() { }
}
