namespace Energizer.ML.Torch;

/// <summary>The optimiser <see cref="TorchClassifierTrainer"/> updates the network's weights with.</summary>
public enum TorchOptimizer
{
    /// <summary>Adam (Kingma and Ba, 2015); <see cref="TorchClassifierOptions.WeightDecay"/> is added to the gradient (L2).</summary>
    Adam,

    /// <summary>AdamW: Adam with decoupled weight decay (Loshchilov and Hutter, 2019).</summary>
    AdamW,

    /// <summary>Stochastic gradient descent with <see cref="TorchClassifierOptions.Momentum"/>.</summary>
    Sgd,
}
