using Microsoft.ML;

namespace Energizer.ML.Inference;

/// <summary>
/// An <see cref="InferenceMode"/> bound to one fitted learner and one pool schema. A binding may
/// hold native resources (a copy of the network, cached mask tensors): whoever binds disposes it;
/// the scorer's bindings belong to its <c>ScoringSession</c>.
/// </summary>
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

    /// <summary>What runs the learner for this binding (e.g. "OnnxRuntime", or "TorchSharp" with the reason <c>Auto</c> fell back), for logs and round reports; null when the learner scores through its own transformer.</summary>
    internal virtual string? Engine => null;

    /// <summary>C, T and D together.</summary>
    internal InferenceShape Shape => new(ClassCount, Iterations, EmbeddingSize);

    /// <summary>Frees what the binding holds; readers made by it must not be used afterwards.</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
