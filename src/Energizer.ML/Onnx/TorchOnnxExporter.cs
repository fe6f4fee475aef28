using Energizer.ML.Torch;
using Energizer.ML.Torch.OnnxExport;
using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Onnx;

/// <summary>
/// Writes a TorchSharp classifier network (logits out) as an ONNX model (opset
/// <see cref="Opset"/>) whose output is the class probabilities. Layers: <c>Sequential</c>
/// (nested), <c>Linear</c>, <c>Conv2d</c>, <c>MaxPool2d</c>, <c>AvgPool2d</c>, <c>Flatten</c>,
/// <c>Unflatten</c>, <c>ReLU</c>, <c>LeakyReLU</c>, <c>GELU</c>, <c>Tanh</c>, <c>Sigmoid</c>,
/// <c>Softmax</c>, <c>LogSoftmax</c>, <c>Dropout</c> (an ONNX <c>Dropout</c> whose
/// <c>training_mode</c> input switches MC-Dropout on: a required scalar boolean input of
/// networks with dropout, false for the eval network), <c>BatchNorm1d</c>/<c>BatchNorm2d</c>
/// (eval form: running statistics), <c>LayerNorm</c> and <c>Identity</c>. Any other layer is
/// refused with its module name and type. A Sequential network also outputs its penultimate
/// layer as row embeddings (<see cref="OnnxExportOptions.EmbeddingName"/>).
/// </summary>
public static class TorchOnnxExporter
{
    /// <summary>The ONNX operator set of exported models (default domain).</summary>
    public const int Opset = OnnxNetworkWriter.Opset;

    /// <summary>The default input name, <c>features</c>.</summary>
    public const string DefaultInputName = "features";

    /// <summary>The default output name, <c>probabilities</c>.</summary>
    public const string DefaultOutputName = "probabilities";

    /// <summary>The default name of the dropout switch, <c>training_mode</c>.</summary>
    public const string DefaultTrainingModeName = "training_mode";

    /// <summary>The default name of the penultimate-layer output, <c>embedding</c>.</summary>
    public const string DefaultEmbeddingName = "embedding";

    /// <summary>Exports a trained TorchClassifier's network (input [N, F] floats, output [N, C] probabilities).</summary>
    /// <exception cref="NotSupportedException">A layer cannot be exported (the message names it).</exception>
    public static byte[] Export(TorchClassifierTransformer model, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Export(model.Network, model.FeatureCount, options);
    }

    /// <summary>Exports a network mapping [N, <paramref name="featureCount"/>] floats to [N, C] logits; the ONNX output is their softmax.</summary>
    /// <exception cref="NotSupportedException">A layer cannot be exported (the message names its module name and type).</exception>
    public static byte[] Export(nn.Module<Tensor, Tensor> network, int featureCount, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(featureCount, 0);
        options ??= new OnnxExportOptions();
        if (options.EmbeddingName is { } embedding && (embedding == options.InputName || embedding == options.OutputName || embedding == options.TrainingModeName))
            throw new ArgumentException($"OnnxExportOptions.EmbeddingName '{embedding}' must differ from the input, output and dropout-switch names.", nameof(options));
        return OnnxNetworkWriter.Write(network, featureCount, Names(options), rate: null, consistent: null);
    }

    /// <summary>The writer's view of <paramref name="options"/>.</summary>
    internal static OnnxNetworkWriter.OnnxNames Names(OnnxExportOptions options) =>
        new(options.InputName, options.OutputName, options.TrainingModeName, options.EmbeddingName, options.DropoutSeed);
}

