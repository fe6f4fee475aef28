using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Torch;

/// <summary>
/// A trained TorchSharp classifier as an ML.NET transformer. <see cref="Transform"/> is lazy: it
/// adds <c>Score</c> (the class probabilities, a vector of <see cref="ClassCount"/> floats
/// summing to 1) and <c>PredictedLabel</c> (the training label's key type and key values), and
/// scores batches of <see cref="TorchClassifierOptions.BatchSize"/> rows only when a cursor moves.
/// All input columns pass through. Owns <see cref="Network"/>: dispose the transformer to free it.
/// </summary>
public sealed class TorchClassifierTransformer : ITransformer, IDisposable
{
    private const string FormatMagic = "Energizer.ML.TorchClassifier";
    // 2 added MinimumSteps, AdamBeta1, AdamBeta2 and SparseUpdate; version 1 streams still load
    // (those options then take their defaults).
    private const int FormatVersion = 2;

    private readonly KeyValueSet? _keyValues;
    private readonly string? _networkDescription;
    private readonly DataViewSchema.Annotations _scoreAnnotations;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<object>> _exports = new();

    internal TorchClassifierTransformer(
        nn.Module<Tensor, Tensor> network,
        TorchClassifierOptions options,
        int featureCount,
        KeyDataViewType labelKeyType,
        KeyValueSet? keyValues)
    {
        Network = network;
        Options = options;
        FeatureCount = featureCount;
        LabelKeyType = labelKeyType;
        _keyValues = keyValues;
        _networkDescription = BuiltInNetwork.Describe(options.Network);
        Device = torch.device(options.Device);
        _scoreAnnotations = BuildScoreAnnotations(ClassCount, keyValues);
        Network.eval();
    }

    /// <summary>The trained network (logits out); in eval mode. Owned by this transformer.</summary>
    public nn.Module<Tensor, Tensor> Network { get; }

    /// <summary>The options the network was trained with (the factory in <see cref="TorchClassifierOptions.Network"/> rebuilds its architecture).</summary>
    public TorchClassifierOptions Options { get; }

    /// <summary>Features per row: the size of the feature vector.</summary>
    public int FeatureCount { get; }

    /// <summary>Classes: the label key type's count and the network's output width.</summary>
    public int ClassCount => (int)LabelKeyType.Count;

    /// <summary>The feature column read from the input.</summary>
    public string FeatureColumnName => Options.FeatureColumnName;

    /// <summary>Where the network lives and scores.</summary>
    public Device Device { get; }

    /// <summary>The training label's key type; <c>PredictedLabel</c> has this type.</summary>
    public KeyDataViewType LabelKeyType { get; }

    /// <summary>The training label's KeyValues annotation (empty when the label had none); <c>PredictedLabel</c> carries it.</summary>
    public DataViewSchema.Annotations LabelKeyValues => _keyValues?.Annotations ?? DataViewSchema.Annotations.Empty;

    /// <summary>The label's key values (type and values), or null when the label had none.</summary>
    internal KeyValueSet? KeyValues => _keyValues;

    /// <summary>The label's key values as invariant text, class index order (the <c>Score</c> slot names); null when the label had no key values.</summary>
    public IReadOnlyList<string>? ClassNames => _keyValues?.Text;

    /// <summary>Always true: the transformer maps row to row (<see cref="Microsoft.ML.PredictionEngine{TSrc, TDst}"/> works).</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus <c>Score</c> and <c>PredictedLabel</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing or has another size than in training.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        int features = TorchClassifierSchema.CheckFeatures(inputSchema, FeatureColumnName);
        if (features != FeatureCount)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Feature column '{FeatureColumnName}' has {features} features; the network was trained on {FeatureCount}.");
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(TorchClassifierSchema.ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, ClassCount), _scoreAnnotations);
        builder.AddColumn(TorchClassifierSchema.PredictedLabelColumnName, LabelKeyType, LabelKeyValues);
        return builder.ToSchema();
    }

    /// <summary>A lazy view of <paramref name="input"/> with <c>Score</c> and <c>PredictedLabel</c> added; nothing is scored until a cursor moves.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new TorchScoredDataView(this, input, GetOutputSchema(input.Schema));
    }

    /// <summary>A mapper scoring one row at a time (used by <see cref="Microsoft.ML.PredictionEngine{TSrc, TDst}"/>).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        new TorchRowMapper(this, inputSchema, GetOutputSchema(inputSchema));

    /// <summary>
    /// Saves through <c>mlContext.Model.Save</c> as ONNX: the network is exported
    /// (<c>Onnx.TorchOnnxExporter</c>) and saved by ML.NET's <c>OnnxTransformer</c>, followed by
    /// built-in steps that give <c>Score</c> (a vector of <see cref="ClassCount"/> probabilities) and
    /// <c>PredictedLabel</c> (this label key type and key values). <c>mlContext.Model.Load</c> returns
    /// that chain (it needs Microsoft.ML.OnnxTransformer and an ONNX Runtime native package, not this
    /// library); <c>Score</c> loses its slot-name annotation. A network with a layer ONNX export does not
    /// support throws <see cref="NotSupportedException"/>; <c>Model.Save</c> has then already created a
    /// partial file, which <c>mlContext.Model.SaveAtomically</c> avoids. To keep the
    /// TorchSharp network itself (e.g. to train further), use <see cref="Save(Stream)"/> and <see cref="Load"/>.
    /// </summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => TorchClassifierModelSaving.Save(this, ctx);

    /// <summary>
    /// Writes the weights, the options' numbers, names and choices, the built-in network's description
    /// (if it is one) and the label's key count and key values to <paramref name="stream"/>
    /// (left open). Callbacks, the loss function and the validation data are not saved.
    /// </summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(FormatMagic);
        writer.Write(FormatVersion);
        writer.Write(FeatureColumnName);
        writer.Write(Options.LabelColumnName);
        writer.Write(FeatureCount);
        writer.Write(LabelKeyType.Count);
        KeyValueSet.Write(writer, _keyValues);
        writer.Write(_networkDescription ?? "");
        writer.Write(Options.Epochs);
        writer.Write(Options.BatchSize);
        writer.Write(Options.LearningRate);
        writer.Write((int)Options.Optimizer);
        writer.Write(Options.Momentum);
        writer.Write(Options.WeightDecay);
        writer.Write(Options.Seed);
        writer.Write((int)Options.Device);
        writer.Write(Options.Shuffle);
        writer.Write(Options.EarlyStoppingPatience);
        writer.Write(Options.ClassWeights?.Length ?? -1);
        foreach (float weight in Options.ClassWeights ?? []) writer.Write(weight);
        writer.Write(Options.MinimumSteps);
        writer.Write(Options.AdamBeta1);
        writer.Write(Options.AdamBeta2);
        writer.Write((int)Options.SparseUpdate);
        Network.save(writer);
    }

    /// <summary>
    /// Reads a transformer written by <see cref="Save(Stream)"/>. Built-in networks
    /// (<see cref="Networks"/>) are rebuilt from their recorded description; a custom network
    /// needs its factory in <paramref name="network"/> (which, when given, always wins). A model
    /// trained on CUDA loads onto the CPU where CUDA is not available.
    /// </summary>
    /// <exception cref="InvalidDataException">The stream does not hold a saved TorchClassifier.</exception>
    /// <exception cref="ArgumentException">The model used a custom network and <paramref name="network"/> is null.</exception>
    public static TorchClassifierTransformer Load(Stream stream, Func<int, int, nn.Module<Tensor, Tensor>>? network = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        TorchRuntime.EnsureLoaded();
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        string magic;
        try
        {
            magic = reader.ReadString();
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            throw new InvalidDataException("The stream does not hold a saved TorchClassifier.", e);
        }
        if (magic != FormatMagic) throw new InvalidDataException("The stream does not hold a saved TorchClassifier.");
        int version = reader.ReadInt32();
        if (version is < 1 or > FormatVersion)
            throw new InvalidDataException($"Saved TorchClassifier format {version} is not supported (this library reads 1 to {FormatVersion}).");
        var options = new TorchClassifierOptions
        {
            FeatureColumnName = reader.ReadString(),
            LabelColumnName = reader.ReadString(),
        };
        int featureCount = reader.ReadInt32();
        var labelKeyType = new KeyDataViewType(typeof(uint), reader.ReadUInt64());
        var keyValues = KeyValueSet.Read(reader);
        string description = reader.ReadString();
        options.Network = network
            ?? (description.Length > 0 ? BuiltInNetwork.Parse(description) : null)
            ?? throw new ArgumentException("The saved model used a custom network: pass its factory to Load.", nameof(network));
        options.Epochs = reader.ReadInt32();
        options.BatchSize = reader.ReadInt32();
        options.LearningRate = reader.ReadDouble();
        options.Optimizer = (TorchOptimizer)reader.ReadInt32();
        options.Momentum = reader.ReadDouble();
        options.WeightDecay = reader.ReadDouble();
        options.Seed = reader.ReadInt32();
        options.Device = (DeviceType)reader.ReadInt32();
        options.Shuffle = reader.ReadBoolean();
        options.EarlyStoppingPatience = reader.ReadInt32();
        int weights = reader.ReadInt32();
        options.ClassWeights = weights < 0 ? null : Enumerable.Range(0, weights).Select(_ => reader.ReadSingle()).ToArray();
        if (version >= 2)
        {
            options.MinimumSteps = reader.ReadInt32();
            options.AdamBeta1 = reader.ReadDouble();
            options.AdamBeta2 = reader.ReadDouble();
            options.SparseUpdate = (SparseUpdate)reader.ReadInt32();
        }
        if (options.Device == DeviceType.CUDA && !torch.cuda.is_available()) options.Device = DeviceType.CPU;

        var module = options.Network(featureCount, (int)labelKeyType.Count);
        try
        {
            module.load(reader);
            module.to(torch.device(options.Device));
            return new TorchClassifierTransformer(module, options, featureCount, labelKeyType, keyValues);
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    /// <summary>Frees the network's native memory.</summary>
    public void Dispose() => Network.Dispose();

    /// <summary>
    /// An export of the network (an ONNX model for scoring), made at the first call for
    /// <paramref name="key"/> and kept with this fitted model, so each fit is exported once however
    /// many scoring passes use it (docs/design.md, "Scoring engines"). An export that fails throws the
    /// same error at every call. A network whose weights are changed in place after the first call
    /// keeps the earlier export.
    /// </summary>
    internal T Export<T>(string key, Func<T> export)
        where T : class =>
        (T)_exports.GetOrAdd(key, _ => new Lazy<object>(export)).Value;

    /// <summary>Writes <paramref name="line"/> to <see cref="TorchClassifierOptions.Log"/> the first time this fitted model is given it, so a line about scoring is not repeated every pass.</summary>
    internal void LogOnce(string line)
    {
        if (_exports.TryAdd("log: " + line, new Lazy<object>(line))) Options.Log?.Invoke(line);
    }

    /// <summary>
    /// Scores the reader's current batch: one forward in eval mode without gradients (a sparse
    /// batch through <paramref name="sparse"/>, the caller's <see cref="SparseFirstLayer.For"/> of
    /// this network), softmax, probabilities row-major into <paramref name="probabilities"/> and the
    /// arg-max key (1-based) into <paramref name="predicted"/>.
    /// </summary>
    internal void Score(FeatureBatchReader batch, SparseFirstLayer? sparse, float[] probabilities, uint[] predicted)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Network.eval();
        var logits = sparse is not null && SparseFirstLayer.Takes(batch)
            ? sparse.Rest(sparse.Forward(batch.SparseBatch()))
            : Network.forward(batch.FeaturesTensor(Device));
        var softmax = nn.functional.softmax(logits, 1).cpu();
        softmax.data<float>().CopyTo(probabilities);
        int classes = ClassCount;
        for (int row = 0; row < batch.Count; row++)
        {
            var p = probabilities.AsSpan(row * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++)
                if (p[c] > p[best]) best = c;
            predicted[row] = (uint)best + 1;
        }
    }

    private static DataViewSchema.Annotations BuildScoreAnnotations(int classes, KeyValueSet? keyValues)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        builder.AddPrimitiveValue(TorchClassifierSchema.ScoreColumnKind, TextDataViewType.Instance, "MulticlassClassification".AsMemory());
        builder.AddPrimitiveValue(TorchClassifierSchema.ScoreValueKind, TextDataViewType.Instance, "Score".AsMemory());
        if (keyValues is not null)
        {
            var names = keyValues.Text.Select(t => t.AsMemory()).ToArray();
            ValueGetter<VBuffer<ReadOnlyMemory<char>>> getter = (ref VBuffer<ReadOnlyMemory<char>> destination) =>
                new VBuffer<ReadOnlyMemory<char>>(classes, names).CopyTo(ref destination);
            builder.Add(TorchClassifierSchema.SlotNames, new VectorDataViewType(TextDataViewType.Instance, classes), getter);
        }
        return builder.ToAnnotations();
    }
}
