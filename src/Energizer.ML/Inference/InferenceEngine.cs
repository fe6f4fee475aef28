namespace Energizer.ML.Inference;

/// <summary>
/// What runs a TorchClassifier's network when the pool is scored (<see cref="InferenceMode.WithEngine"/>).
/// Either engine gives the same probabilities to float rounding and, for MC-Dropout, the same masks:
/// the masks are the library's own (docs/design.md, "Scoring engines"). Other learners score as they
/// always do: an ML.NET model through its own transformer, an <c>OnnxClassifier</c> on ONNX Runtime.
/// </summary>
public enum InferenceEngine
{
    /// <summary>
    /// ONNX Runtime when the network exports (every built-in network does) and ONNX Runtime's native
    /// library loads; otherwise TorchSharp, with one log line saying why (the TorchClassifier's
    /// <c>Log</c>, and the loop's log).
    /// </summary>
    Auto,

    /// <summary>LibTorch through TorchSharp, for every layer.</summary>
    TorchSharp,

    /// <summary>
    /// ONNX Runtime on the CPU: the whole network for deterministic scoring; for MC-Dropout the layers
    /// before the first dropout, once per batch, with the dropout passes in TorchSharp. Binding fails
    /// with a message naming the reason when the network cannot run there (a layer the exporter does
    /// not support).
    /// </summary>
    OnnxRuntime,
}
