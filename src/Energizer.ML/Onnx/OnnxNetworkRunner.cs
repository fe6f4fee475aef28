using Microsoft.ML.OnnxRuntime;

namespace Energizer.ML.Onnx;

/// <summary>
/// An ONNX Runtime session over a network exported for scoring, made for one scoring pass and
/// disposed with it (docs/design.md, "Scoring engines"): features [N, F] in, each requested float
/// output written straight into the caller's array, no copies in between. It runs on the CPU with
/// the intra-op thread count it is given (the library passes LibTorch's, so one setting governs
/// both engines). A dropout switch, when the model has one, is fed false (eval mode). Runs may
/// come from several threads at once (ONNX Runtime sessions allow it).
/// </summary>
internal sealed class OnnxNetworkRunner : IDisposable
{
    private static readonly Lazy<string?> UnavailableReason = new(FindUnavailableReason);

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string _inputName;
    private readonly string? _trainingModeName;
    private readonly OrtValue? _evalMode;
    private readonly int _featureCount;

    /// <param name="model">The ONNX model.</param>
    /// <param name="inputName">Its float input [N, <paramref name="featureCount"/>].</param>
    /// <param name="featureCount">F.</param>
    /// <param name="threads">ONNX Runtime's intra-op threads.</param>
    public OnnxNetworkRunner(byte[] model, string inputName, int featureCount, int threads)
    {
        using var options = new SessionOptions
        {
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        // Idle intra-op workers do not spin: between runs the scorer reads the next batch, writes masks
        // or runs LibTorch, and a spinning worker took the second of two cores from that work
        // (docs/design.md, "Scoring engines").
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        _session = new InferenceSession(model, options);
        _inputName = inputName;
        _featureCount = featureCount;
        _trainingModeName = _session.InputMetadata.Where(i => i.Value.ElementType == typeof(bool)).Select(i => i.Key).FirstOrDefault();
        if (_trainingModeName is not null)
            _evalMode = OrtValue.CreateTensorValueFromMemory(new[] { false }, []);
    }

    /// <summary>Why ONNX Runtime cannot run in this process (its native library does not load), or null when it can.</summary>
    public static string? Unavailable => UnavailableReason.Value;

    /// <summary>Whether the model has the output <paramref name="name"/>.</summary>
    public bool HasOutput(string name) => _session.OutputMetadata.ContainsKey(name);

    /// <summary>
    /// Runs the first <paramref name="rows"/> rows of <paramref name="features"/> (row-major) and writes
    /// each output into its array: rows × the product of its per-row shape, row-major.
    /// </summary>
    public void Run(float[] features, int rows, params (string Name, float[] Values, long[] RowShape)[] outputs) =>
        Run(rows, [(_inputName, features, [_featureCount])], outputs);

    /// <summary>
    /// Runs the first <paramref name="rows"/> rows of every input (each rows × the product of its
    /// per-row shape, row-major, in its array) and writes each output into its array likewise.
    /// </summary>
    public void Run(int rows, (string Name, float[] Values, long[] RowShape)[] inputs, params (string Name, float[] Values, long[] RowShape)[] outputs)
    {
        var inputValues = new OrtValue[inputs.Length];
        var outputValues = new OrtValue[outputs.Length];
        try
        {
            for (int i = 0; i < inputs.Length; i++) inputValues[i] = Rows(inputs[i].Values, rows, inputs[i].RowShape);
            for (int i = 0; i < outputs.Length; i++) outputValues[i] = Rows(outputs[i].Values, rows, outputs[i].RowShape);
            string[] names = [.. inputs.Select(i => i.Name)];
            _session.Run(_runOptions,
                _evalMode is null ? names : [.. names, _trainingModeName!],
                _evalMode is null ? inputValues : [.. inputValues, _evalMode],
                [.. outputs.Select(o => o.Name)], outputValues);
        }
        finally
        {
            foreach (var value in inputValues) value?.Dispose();
            foreach (var value in outputValues) value?.Dispose();
        }
    }

    /// <summary>The first <paramref name="rows"/> rows of <paramref name="values"/> as a tensor over the same memory.</summary>
    private static OrtValue Rows(float[] values, int rows, long[] rowShape)
    {
        int size = checked(rows * (int)rowShape.Aggregate(1L, (a, b) => a * b));
        return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, values.AsMemory(0, size), [rows, .. rowShape]);
    }

    /// <summary>Frees the session and its native buffers.</summary>
    public void Dispose()
    {
        _evalMode?.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }

    private static string? FindUnavailableReason()
    {
        try
        {
            _ = OrtEnv.Instance().GetAvailableProviders();
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or OnnxRuntimeException)
        {
            return "ONNX Runtime's native library does not load in this process (an app references Microsoft.ML.OnnxRuntime or Microsoft.ML.OnnxRuntime.Gpu for it): "
                + (e.InnerException ?? e).Message.Trim();
        }
    }
}
