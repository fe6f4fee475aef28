namespace Energizer.ML.Acquisition;

/// <summary>How <see cref="PowerBaldStrategy"/> turns a base score s into a sampling weight.</summary>
public enum PowerBaldMode
{
    /// <summary>Weight ∝ s^β (scores must be non-negative).</summary>
    Power,

    /// <summary>Weight ∝ exp(β·s).</summary>
    Softmax,

    /// <summary>Weight ∝ rank^−β, rank 1 the best score among the candidates (batch-aware).</summary>
    Softrank,
}
