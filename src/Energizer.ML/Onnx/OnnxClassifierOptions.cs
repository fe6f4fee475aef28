namespace Energizer.ML.Onnx;

/// <summary>How an <see cref="OnnxClassifier"/> reads the pool and runs its ONNX model.</summary>
public sealed class OnnxClassifierOptions
{
    /// <summary>The pool column of features: a known-size vector of Single whose size is the model input's last dimension.</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>The model's float input of shape [N, F].</summary>
    public string InputName { get; set; } = TorchOnnxExporter.DefaultInputName;

    /// <summary>The model's float output of shape [N, C]: class probabilities, or logits when <see cref="OutputIsLogits"/>.</summary>
    public string OutputName { get; set; } = TorchOnnxExporter.DefaultOutputName;

    /// <summary>True when <see cref="OutputName"/> holds logits: a softmax is applied to them.</summary>
    public bool OutputIsLogits { get; set; }

    /// <summary>
    /// The model's optional float output of shape [N, D] holding row embeddings (an exported
    /// TorchClassifier's penultimate layer), used by CoreSet and BADGE when the pool names no
    /// embedding column; ignored when the model has no such output.
    /// </summary>
    public string EmbeddingName { get; set; } = TorchOnnxExporter.DefaultEmbeddingName;

    /// <summary>The scalar boolean input that switches the model's dropouts on (MC-Dropout), if it has one; fed false for deterministic scoring.</summary>
    public string TrainingModeName { get; set; } = TorchOnnxExporter.DefaultTrainingModeName;

    /// <summary>Rows per ONNX Runtime run.</summary>
    public int BatchSize { get; set; } = 1024;

    /// <summary>Use ONNX Runtime's CUDA execution provider when it is present and a GPU works; otherwise the CPU (with one log line).</summary>
    public bool UseGpu { get; set; } = true;

    /// <summary>Fail with a clear error instead of falling back to the CPU when the CUDA provider or a GPU is missing.</summary>
    public bool RequireGpu { get; set; }

    /// <summary>The CUDA device to use.</summary>
    public int GpuDeviceId { get; set; }
}
