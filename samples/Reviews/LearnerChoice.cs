namespace ReviewsSample;

/// <summary>The learner fitted on the featurized reviews.</summary>
public enum LearnerChoice
{
    /// <summary>Multiclass logistic regression by L-BFGS (deterministic, fast).</summary>
    MaxEnt,

    /// <summary>A TorchSharp MLP on the sparse n-gram vectors, with dropout for MC-Dropout strategies (BALD).</summary>
    Mlp,
}
