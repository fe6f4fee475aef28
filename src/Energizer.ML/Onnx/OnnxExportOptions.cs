namespace Energizer.ML.Onnx;

/// <summary>Names and settings of an ONNX graph written by <see cref="TorchOnnxExporter"/>.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>The graph input: float features of shape [N, F].</summary>
    public string InputName { get; set; } = TorchOnnxExporter.DefaultInputName;

    /// <summary>The graph output: class probabilities (softmax of the network's logits), shape [N, C].</summary>
    public string OutputName { get; set; } = TorchOnnxExporter.DefaultOutputName;

    /// <summary>
    /// The scalar boolean input that switches every exported <c>Dropout</c> to training mode
    /// (MC-Dropout) when true; false gives the eval-mode network. A required input (ONNX
    /// Runtime's optimiser would remove dropouts whose switch had a default), present only when
    /// the network has a dropout layer. ONNX Runtime also removes every Dropout node by default
    /// (its <c>EliminateDropout</c> rewrite): for MC-Dropout create the session with the config
    /// entry <c>optimization.disable_specified_optimizers = EliminateDropout</c>, as
    /// <c>OnnxClassifier</c> does.
    /// </summary>
    public string TrainingModeName { get; set; } = TorchOnnxExporter.DefaultTrainingModeName;

    /// <summary>
    /// A second graph output: the activations entering the network's last layer (shape [N, D]),
    /// the penultimate-layer embeddings that CoreSet and BADGE use; written for a
    /// <c>Sequential</c> of two or more layers whose last layer takes 2-D input. Null writes none.
    /// With the dropout switch on, earlier dropouts act on it too: read it with the switch off.
    /// </summary>
    public string? EmbeddingName { get; set; } = TorchOnnxExporter.DefaultEmbeddingName;

    /// <summary>
    /// The <c>seed</c> attribute of every exported <c>Dropout</c>. ONNX Runtime then draws the same
    /// masks on every run of the same input shape (reproducible, but not fresh per pass); null
    /// (the default) draws fresh masks on every run, as MC-Dropout needs.
    /// </summary>
    public int? DropoutSeed { get; set; }
}
