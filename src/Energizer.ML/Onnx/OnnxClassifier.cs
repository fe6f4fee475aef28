using Energizer.ML.Torch;
using Energizer.ML.Torch.OnnxExport;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Runtime;
using OnnxTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;

namespace Energizer.ML.Onnx;

/// <summary>
/// A classifier in ONNX scored with ONNX Runtime, as a learner for active learning: an exported
/// TorchClassifier (<see cref="FromTorch"/>) or a classifier trained elsewhere
/// (<see cref="Load(MLContext, string, OnnxClassifierOptions)"/>, e.g. from PyTorch). Its
/// <see cref="Transform"/> adds <c>Score</c> row by row; <c>InferenceMode</c>'s
/// <c>Deterministic</c> and <c>McDropout</c> score pools through it in batches of
/// <see cref="OnnxClassifierOptions.BatchSize"/> rows, on CUDA when available. MC-Dropout needs
/// the model's dropout switch (<see cref="HasDropoutSwitch"/>); CoreSet and BADGE read its
/// embedding output (<see cref="EmbeddingSize"/>). Dispose it to free the session.
/// </summary>
public sealed class OnnxClassifier : ITransformer, IDisposable
{
    /// <summary>ONNX Runtime's session setting that keeps Dropout nodes (its default optimisation removes them, disabling MC-Dropout).</summary>
    internal const string KeepDropout = "optimization.disable_specified_optimizers";

    private readonly InferenceSession _session;
    private readonly ITransformer _rowMapping;
    private readonly MLContext _mlContext;
    private readonly TorchSource? _torch;
    private readonly Dictionary<string, OnnxClassifier> _variants = [];

    /// <summary>The TorchClassifier an exported model came from (its saved weights and network factory), for re-exports.</summary>
    private sealed record TorchSource(byte[] State, Func<int, int, TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>> Network);

    private OnnxClassifier(MLContext mlContext, byte[] model, string source, OnnxClassifierOptions options, TorchSource? torch = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.BatchSize, 0, nameof(options));
        Options = options;
        _mlContext = mlContext;
        _torch = torch;
        (_session, ExecutionProvider) = CreateSession(mlContext, model, source, options);
        try
        {
            FeatureCount = CheckSignature(source);
            HasDropoutSwitch = _session.InputMetadata.TryGetValue(options.TrainingModeName, out var mode) && mode.ElementType == typeof(bool);
            EmbeddingSize = _session.OutputMetadata.TryGetValue(options.EmbeddingName, out var embedding)
                && embedding.ElementType == typeof(float) && embedding.Dimensions is [_, > 0 and var size] ? size : 0;
            ClassCount = Run(new float[FeatureCount], 1, training: false).Length;
            if (ClassCount < 2)
                throw new ArgumentException($"ONNX model {source}: output '{options.OutputName}' has {ClassCount} value(s) per row; a classifier needs at least 2 classes.", nameof(options));
            _rowMapping = BuildRowMapping(mlContext);
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    /// <summary>The options the classifier was created with.</summary>
    public OnnxClassifierOptions Options { get; }

    /// <summary>F, the model input's feature count.</summary>
    public int FeatureCount { get; }

    /// <summary>C, the number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>"CUDA" or "CPU": where the model runs.</summary>
    public string ExecutionProvider { get; }

    /// <summary>Whether the model has the boolean <see cref="OnnxClassifierOptions.TrainingModeName"/> input (needed for MC-Dropout).</summary>
    public bool HasDropoutSwitch { get; }

    /// <summary>D, the size of the model's <see cref="OnnxClassifierOptions.EmbeddingName"/> output ([N, D] row embeddings); 0 when it has none.</summary>
    public int EmbeddingSize { get; }

    /// <summary>The feature column read from the pool.</summary>
    public string FeatureColumnName => Options.FeatureColumnName;

    /// <summary>Always true.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>Exports a TorchClassifier's network (<see cref="TorchOnnxExporter"/>) and scores it on ONNX Runtime.</summary>
    /// <exception cref="NotSupportedException">The network has a layer the exporter does not support.</exception>
    public static OnnxClassifier FromTorch(MLContext mlContext, TorchClassifierTransformer model, OnnxClassifierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(model);
        options ??= new OnnxClassifierOptions { FeatureColumnName = model.FeatureColumnName };
        var export = new OnnxExportOptions { InputName = options.InputName, OutputName = options.OutputName, TrainingModeName = options.TrainingModeName, EmbeddingName = options.EmbeddingName };
        using var state = new MemoryStream();
        model.Save(state);
        return new OnnxClassifier(mlContext, TorchOnnxExporter.Export(model, export), "exported from TorchClassifier", options, new TorchSource(state.ToArray(), model.Options.Network));
    }

    /// <summary>Whether this classifier was exported from a TorchClassifier (<see cref="FromTorch"/>), so MC-Dropout can have consistent masks or another rate.</summary>
    public bool CanVaryDropout => _torch is not null;

    /// <summary>
    /// The model re-exported from its TorchClassifier for MC-Dropout with every dropout at
    /// <paramref name="rate"/> (when given) and, with <paramref name="consistent"/>, fixed masks for
    /// T passes of the batch (then it takes the batch repeated T times and has no dropout switch).
    /// Made once per setting and disposed with this classifier.
    /// </summary>
    internal OnnxClassifier McDropoutVariant(double? rate, OnnxNetworkWriter.ConsistentDropout? consistent, string key)
    {
        if (_torch is null) throw new InvalidOperationException("Only an OnnxClassifier made with FromTorch can be re-exported.");
        lock (_variants)
        {
            if (_variants.TryGetValue(key, out var cached)) return cached;
            using var state = new MemoryStream(_torch.State);
            using var copy = TorchClassifierTransformer.Load(state, _torch.Network);
            var export = new OnnxExportOptions { InputName = Options.InputName, OutputName = Options.OutputName, TrainingModeName = Options.TrainingModeName, EmbeddingName = null };
            var variant = new OnnxClassifier(this, OnnxNetworkWriter.Write(copy.Network, FeatureCount, TorchOnnxExporter.Names(export), rate, consistent));
            _variants[key] = variant;
            return variant;
        }
    }

    /// <summary>A re-export of <paramref name="parent"/>'s network: same options, features and classes; scored only in batches.</summary>
    private OnnxClassifier(OnnxClassifier parent, byte[] model)
    {
        Options = parent.Options;
        _mlContext = parent._mlContext;
        _rowMapping = parent._rowMapping;
        (_session, ExecutionProvider) = CreateSession(_mlContext, model, "(MC-Dropout re-export)", Options);
        try
        {
            FeatureCount = CheckSignature("(MC-Dropout re-export)");
        }
        catch
        {
            _session.Dispose();
            throw;
        }
        ClassCount = parent.ClassCount;
        HasDropoutSwitch = _session.InputMetadata.TryGetValue(Options.TrainingModeName, out var mode) && mode.ElementType == typeof(bool);
    }

    /// <summary>Loads an ONNX classifier file.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid ONNX model.</exception>
    /// <exception cref="ArgumentException">The model's inputs or outputs do not match <paramref name="options"/> (the message lists them).</exception>
    /// <exception cref="InvalidOperationException"><see cref="OnnxClassifierOptions.RequireGpu"/> is set and no GPU can be used.</exception>
    public static OnnxClassifier Load(MLContext mlContext, string path, OnnxClassifierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new OnnxClassifier(mlContext, File.ReadAllBytes(path), $"'{path}'", options ?? new OnnxClassifierOptions());
    }

    /// <summary>Loads an ONNX classifier from its bytes.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid ONNX model.</exception>
    /// <exception cref="ArgumentException">The model's inputs or outputs do not match <paramref name="options"/>.</exception>
    public static OnnxClassifier Load(MLContext mlContext, byte[] model, OnnxClassifierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(model);
        return new OnnxClassifier(mlContext, model, "(bytes)", options ?? new OnnxClassifierOptions());
    }

    /// <summary>The input schema plus <c>Score</c> (a vector of <see cref="ClassCount"/> probabilities).</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        CheckFeatures(inputSchema);
        return _rowMapping.GetOutputSchema(inputSchema);
    }

    /// <summary>A lazy view with <c>Score</c> added (one ONNX Runtime run per row; pools are scored in batches through <c>InferenceMode</c>).</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckFeatures(input.Schema);
        return _rowMapping.Transform(input);
    }

    /// <summary>A row-to-row mapper adding <c>Score</c>.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        CheckFeatures(inputSchema);
        return _rowMapping.GetRowToRowMapper(inputSchema);
    }

    /// <summary>Not supported: save the ONNX model file itself, or the TorchClassifier it came from.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("OnnxClassifier is not saved through mlContext.Model.Save: keep its ONNX file (or save the TorchClassifier it was exported from).");

    /// <summary>Frees the ONNX Runtime session.</summary>
    public void Dispose()
    {
        lock (_variants)
        {
            foreach (var variant in _variants.Values) variant.Dispose();
            _variants.Clear();
        }
        _session.Dispose();
    }

    /// <summary>Probabilities of <paramref name="rows"/> rows (row-major [rows, C]); dropouts active when <paramref name="training"/>.</summary>
    internal float[] Run(float[] features, int rows, bool training) => Run(features, rows, training, embeddings: false).Probabilities;

    /// <summary>
    /// Probabilities of <paramref name="rows"/> rows (row-major [rows, C]), dropouts active when
    /// <paramref name="training"/>, and with <paramref name="embeddings"/> the rows' embeddings
    /// ([rows, <see cref="EmbeddingSize"/>]) from the same run.
    /// </summary>
    internal (float[] Probabilities, float[]? Embeddings) Run(float[] features, int rows, bool training, bool embeddings)
    {
        if (embeddings && EmbeddingSize == 0) throw new InvalidOperationException($"The ONNX model has no embedding output '{Options.EmbeddingName}'.");
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor(Options.InputName, new OnnxTensor(features.AsMemory(0, rows * FeatureCount), [rows, FeatureCount])),
        };
        if (HasDropoutSwitch)
            inputs.Add(NamedOnnxValue.CreateFromTensor(Options.TrainingModeName, new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<bool>(new[] { training }, ReadOnlySpan<int>.Empty)));
        using var results = _session.Run(inputs, embeddings ? [Options.OutputName, Options.EmbeddingName] : [Options.OutputName]);
        float[] output = [.. results[0].AsEnumerable<float>()];
        if (output.Length % rows != 0)
            throw new InvalidOperationException($"Output '{Options.OutputName}' gave {output.Length} values for {rows} rows.");
        if (Options.OutputIsLogits) Softmax(output, output.Length / rows);
        float[]? rowEmbeddings = embeddings ? [.. results[1].AsEnumerable<float>()] : null;
        if (rowEmbeddings is not null && rowEmbeddings.Length != rows * EmbeddingSize)
            throw new InvalidOperationException($"Output '{Options.EmbeddingName}' gave {rowEmbeddings.Length} values for {rows} rows of {EmbeddingSize}.");
        return (output, rowEmbeddings);
    }

    internal int CheckFeatures(DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        int features = TorchClassifierSchema.CheckFeatures(schema, FeatureColumnName);
        if (features != FeatureCount)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Feature column '{FeatureColumnName}' has {features} features; the ONNX model's input '{Options.InputName}' takes {FeatureCount}.");
        return features;
    }

    private static void Softmax(float[] values, int classes)
    {
        for (int row = 0; row < values.Length; row += classes)
        {
            var span = values.AsSpan(row, classes);
            float max = float.NegativeInfinity;
            foreach (float v in span) max = Math.Max(max, v);
            float sum = 0;
            for (int c = 0; c < classes; c++) sum += span[c] = MathF.Exp(span[c] - max);
            for (int c = 0; c < classes; c++) span[c] /= sum;
        }
    }

    private int CheckSignature(string source)
    {
        string Describe(IReadOnlyDictionary<string, NodeMetadata> nodes) =>
            string.Join(", ", nodes.Select(n => $"'{n.Key}' {n.Value.ElementType.Name}[{string.Join(", ", n.Value.Dimensions.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]"));
        if (!_session.InputMetadata.TryGetValue(Options.InputName, out var input))
            throw new ArgumentException($"ONNX model {source} has no input '{Options.InputName}' (set InputName); its inputs: {Describe(_session.InputMetadata)}.", nameof(Options));
        if (!_session.OutputMetadata.TryGetValue(Options.OutputName, out var output))
            throw new ArgumentException($"ONNX model {source} has no output '{Options.OutputName}' (set OutputName); its outputs: {Describe(_session.OutputMetadata)}.", nameof(Options));
        if (input.ElementType != typeof(float) || input.Dimensions.Length != 2 || input.Dimensions[1] <= 0)
            throw new ArgumentException($"ONNX model {source}: input '{Options.InputName}' must be float[N, F] with a known F; it is {Describe(new Dictionary<string, NodeMetadata> { [Options.InputName] = input })}.", nameof(Options));
        if (output.ElementType != typeof(float))
            throw new ArgumentException($"ONNX model {source}: output '{Options.OutputName}' must be float[N, C]; it is {output.ElementType.Name}.", nameof(Options));
        var other = _session.InputMetadata.Keys.Where(k => k != Options.InputName && k != Options.TrainingModeName).ToList();
        if (other.Count > 0)
            throw new ArgumentException($"ONNX model {source} has inputs this classifier cannot feed: {string.Join(", ", other.Select(o => $"'{o}'"))}; it feeds '{Options.InputName}' and '{Options.TrainingModeName}'.", nameof(Options));
        return input.Dimensions[1];
    }

    private static (InferenceSession Session, string Provider) CreateSession(MLContext mlContext, byte[] model, string source, OnnxClassifierOptions options)
    {
        using var channel = ((IChannelProvider)mlContext).Start(nameof(OnnxClassifier));
        string? cpuReason = null;
        if (options.UseGpu || options.RequireGpu)
        {
            if (!OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider"))
            {
                cpuReason = "ONNX Runtime has no CUDA execution provider (reference Microsoft.ML.OnnxRuntime.Gpu instead of Microsoft.ML.OnnxRuntime)";
            }
            else if (MissingCudaLibrary() is { } missing)
            {
                // Checked first so that a machine without CUDA gets one clear line, not ONNX Runtime's loader error.
                cpuReason = $"the CUDA libraries ONNX Runtime's CUDA provider loads are not on the library path ({missing} not found)";
            }
            else
            {
                try
                {
                    using var gpuOptions = SessionOptions(options);
                    gpuOptions.AppendExecutionProvider_CUDA(options.GpuDeviceId);
                    return (Open(model, source, gpuOptions), "CUDA");
                }
                catch (OnnxRuntimeException e)
                {
                    cpuReason = $"the CUDA execution provider failed ({e.Message.Trim()})";
                }
            }
            if (options.RequireGpu)
                throw new InvalidOperationException($"OnnxClassifier requires a GPU (RequireGpu), but {cpuReason}.");
            channel.Info(MessageSensitivity.None, $"OnnxClassifier: scoring on the CPU: {cpuReason}.");
        }
        using var cpuOptions = SessionOptions(options);
        return (Open(model, source, cpuOptions), "CPU");
    }

    /// <summary>
    /// The first CUDA library that Microsoft.ML.OnnxRuntime.Gpu 1.31's CUDA provider needs on Linux
    /// (CUDA 13 runtime and cuBLAS, cuDNN 9) and the loader cannot find; null when all load, or
    /// when not on Linux (there the provider's own error is reported).
    /// </summary>
    private static string? MissingCudaLibrary()
    {
        if (!OperatingSystem.IsLinux()) return null;
        foreach (string library in (string[])["libcudart.so.13", "libcublasLt.so.13", "libcudnn.so.9"])
        {
            if (!System.Runtime.InteropServices.NativeLibrary.TryLoad(library, out var handle)) return library;
            System.Runtime.InteropServices.NativeLibrary.Free(handle);
        }
        return null;
    }

    private static SessionOptions SessionOptions(OnnxClassifierOptions options)
    {
        var session = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        session.AddSessionConfigEntry(KeepDropout, "EliminateDropout");
        return session;
    }

    private static InferenceSession Open(byte[] model, string source, SessionOptions options)
    {
        try
        {
            return new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException e) when (!e.Message.Contains("CUDA", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"ONNX model {source} could not be loaded: {e.Message.Trim()}", e);
        }
    }

    private ITransformer BuildRowMapping(MLContext mlContext)
    {
        var input = SchemaDefinition.Create(typeof(FeatureRow));
        input[nameof(FeatureRow.Features)].ColumnName = FeatureColumnName;
        input[FeatureColumnName].ColumnType = new VectorDataViewType(NumberDataViewType.Single, FeatureCount);
        var output = SchemaDefinition.Create(typeof(ScoreRow));
        output[nameof(ScoreRow.Score)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, ClassCount);
        var empty = mlContext.Data.LoadFromEnumerable(Array.Empty<FeatureRow>(), input);
        return mlContext.Transforms.CustomMapping<FeatureRow, ScoreRow>(
                (row, score) => score.Score = Run(row.Features, 1, training: false), contractName: null, input, output)
            .Fit(empty);
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = [];
    }
}
