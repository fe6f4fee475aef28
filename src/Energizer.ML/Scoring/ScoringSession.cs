using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Microsoft.ML;

namespace Energizer.ML.Scoring;

/// <summary>
/// One scoring pass over a pool (<see cref="AcquisitionScorerTransformer.Score"/>): the inference
/// mode bound to the learner once for every cursor of the pass, and the strategy that selection
/// needs. <see cref="Scored"/> is the lazy scored view. Disposing the session frees the binding
/// (with <c>inplace: false</c> MC-Dropout a copy of the network, and cached mask tensors); the
/// view's cursors cannot be opened afterwards.
/// </summary>
public sealed class ScoringSession : IDisposable
{
    private BoundInference? _binding;

    internal ScoringSession(AcquisitionScorerTransformer scorer, IDataView pool)
    {
        Pool = pool;
        Strategy = scorer.Strategy;
        Options = scorer.Options;
        _binding = scorer.Bind(pool.Schema);
        try
        {
            View = new ScoredPoolView(this, _binding);
        }
        catch
        {
            _binding.Dispose();
            throw;
        }
    }

    /// <summary>The pool being scored.</summary>
    public IDataView Pool { get; }

    /// <summary>The scorer's strategy; for a batch-aware one, selection picks jointly with it.</summary>
    public AcquisitionStrategy Strategy { get; }

    /// <summary>The scorer's options.</summary>
    public AcquisitionScorerOptions Options { get; }

    /// <summary>
    /// What runs the learner in this pass, e.g. "OnnxRuntime", or "TorchSharp" with the reason
    /// <c>InferenceEngine.Auto</c> fell back; null when the learner scores through its own
    /// transformer or the session is disposed. Sparse batches that went through TorchSharp are noted.
    /// </summary>
    public string? Engine => _binding?.Engine;

    /// <summary>The pool with the acquisition column added; nothing is scored until a cursor moves.</summary>
    public IDataView Scored => View;

    internal ScoredPoolView View { get; }

    /// <summary>The binding, for the view's cursors; refused once the session is disposed.</summary>
    internal BoundInference Binding =>
        _binding ?? throw new ObjectDisposedException(nameof(ScoringSession),
            "This scoring session was disposed, and with it the learner's binding: score the pool again (AcquisitionScorerTransformer.Score).");

    /// <summary>Frees the binding; cursors already open must not move afterwards.</summary>
    public void Dispose() => Interlocked.Exchange(ref _binding, null)?.Dispose();
}
