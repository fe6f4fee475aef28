using static TorchSharp.torch;

namespace Energizer.ML.Torch;

/// <summary>
/// Built-in network factories for <see cref="TorchClassifierOptions.Network"/>.
/// <para>
/// Contract (relied on by MC-Dropout inference and embeddings): every network built here is a
/// <see cref="TorchSharp.Modules.Sequential"/> of named children; each dropout is its own
/// <see cref="TorchSharp.Modules.Dropout"/> child (present only when the dropout probability is
/// above 0); the last child is the <see cref="TorchSharp.Modules.Linear"/> that produces the
/// logits. So the children before the first dropout are deterministic and can be computed once
/// for many stochastic passes, and the output of all children but the last is the penultimate
/// embedding.
/// </para>
/// <para>
/// <see cref="TorchClassifierTransformer.Save(Stream)"/> records a description of these networks,
/// so <see cref="TorchClassifierTransformer.Load"/> rebuilds them without a factory.
/// </para>
/// </summary>
public static class Networks
{
    /// <summary>
    /// A multilayer perceptron: for each hidden size a <c>Linear</c>, a <c>ReLU</c> and (if
    /// <paramref name="dropout"/> &gt; 0) a <c>Dropout</c>, named <c>fc1, relu1, dropout1, …</c>,
    /// then the <c>Linear</c> named <c>output</c> producing the logits.
    /// </summary>
    /// <param name="hiddenSizes">The width of each hidden layer, input side first; empty gives a linear (softmax regression) model.</param>
    /// <param name="dropout">The dropout probability after each hidden layer, in [0, 1).</param>
    public static Func<int, int, nn.Module<Tensor, Tensor>> Mlp(int[] hiddenSizes, double dropout)
    {
        ArgumentNullException.ThrowIfNull(hiddenSizes);
        foreach (int size in hiddenSizes)
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(size, 0, nameof(hiddenSizes));
        CheckDropout(dropout);
        return new MlpNetwork([.. hiddenSizes], dropout).Create;
    }

    /// <summary>
    /// A small convolutional network for images given as flat feature vectors of
    /// <paramref name="channels"/>×<paramref name="height"/>×<paramref name="width"/> values
    /// (channel-major, then rows): <c>unflatten</c>; two blocks of 3×3 convolution (32 then 64
    /// filters, padding 1), <c>ReLU</c> and 2×2 max-pooling (<c>conv1, relu1, pool1, conv2, relu2,
    /// pool2</c>); <c>flatten</c>; <c>dropout1</c>; a dense layer of 128 (<c>fc1, relu3</c>);
    /// <c>dropout2</c>; the <c>Linear</c> named <c>output</c>. Works for 8×8 digits and 28×28 MNIST.
    /// </summary>
    /// <param name="channels">Image channels (1 for grey).</param>
    /// <param name="height">Image height in pixels (at least 4).</param>
    /// <param name="width">Image width in pixels (at least 4).</param>
    /// <param name="dropout">The dropout probability before each dense layer, in [0, 1).</param>
    public static Func<int, int, nn.Module<Tensor, Tensor>> ConvNet(int channels, int height, int width, double dropout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(channels, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 4);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 4);
        CheckDropout(dropout);
        return new ConvNetwork(channels, height, width, dropout).Create;
    }

    private static void CheckDropout(double dropout)
    {
        if (!(dropout >= 0 && dropout < 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "dropout must be in [0, 1).");
    }
}
