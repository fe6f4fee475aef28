namespace Energizer.ML.Torch;

/// <summary>
/// How <see cref="TorchClassifierTrainer"/> updates the first <c>Linear</c> of a network whose
/// training rows come sparse (e.g. <c>FeaturizeText</c> n-grams) with <see cref="TorchOptimizer.Adam"/>
/// or <see cref="TorchOptimizer.AdamW"/>.
/// </summary>
public enum SparseUpdate
{
    /// <summary>
    /// Lazy Adam (as PyTorch's <c>SparseAdam</c> and TensorFlow's <c>LazyAdam</c>): a step reads
    /// and writes only the weight columns that some row of the batch has; their moments and
    /// weights move on those steps only (the bias corrections use the global step count). AdamW's
    /// decoupled decay is caught up on a touched column, (1 − lr·λ) raised to the steps since it
    /// was last touched; Adam's L2 decay is added to the gradient of the touched columns only. A
    /// step costs the batch's distinct columns times the layer's width instead of the whole weight.
    /// Equal to <see cref="Dense"/> when every column is touched every step.
    /// </summary>
    Lazy,

    /// <summary>
    /// Adam over the whole weight every step, as for dense rows: an untouched column's weight
    /// still moves with its decaying first moment, and its moments decay.
    /// </summary>
    Dense,
}
