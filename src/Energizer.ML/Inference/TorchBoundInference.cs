using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Inference;

/// <summary>
/// Runs a TorchClassifier's network on pool batches: deterministically (for penultimate
/// embeddings) or with MC-Dropout. The network stays in eval mode; dropout is applied here, with
/// masks from <see cref="DropoutMasks"/>. The parts, by file:
/// <list type="bullet">
/// <item><see cref="DropoutPlan"/>: where the network's dropouts are.</item>
/// <item><c>TorchBoundInference.Batched.cs</c>: a <see cref="Sequential"/> whose dropouts are its
/// own children (as <see cref="Networks"/> builds them): the layers before the first dropout run
/// once per batch, the rest once on the T passes stacked into one batch of T·N rows.</item>
/// <item><c>TorchBoundInference.Consistent.cs</c>: consistent masks, and Linears that multiply only the kept units.</item>
/// <item><c>TorchBoundInference.NaivePasses.cs</c>: the reference loop of T separate passes, and T whole
/// passes of other networks (masks applied by forward hooks on their dropout modules).</item>
/// <item><c>TorchBoundInference.Embeddings.cs</c>: the deterministic and penultimate passes.</item>
/// <item><c>TorchBoundInference.Onnx.cs</c>: the engine choice, and the part ONNX Runtime runs.</item>
/// <item><c>TorchBoundInference.Reader.cs</c>: batches from a cursor, sparse ones through <see cref="SparseFirstLayer"/>.</item>
/// </list>
/// </summary>
internal sealed partial class TorchBoundInference : BoundInference
{
    private readonly ITransformer? _prefix;
    private readonly TorchClassifierTransformer _model;
    private readonly TorchClassifierTransformer? _copy;
    private readonly nn.Module<Tensor, Tensor> _network;
    private readonly DropoutPlan _plan;
    private readonly Dropout? _mc;
    private readonly EmbeddingColumn? _embeddingColumn;
    private readonly bool _networkEmbeddings;
    private readonly int _networkEmbeddingSize;
    private readonly object _gate = new();
    private readonly Dictionary<int, Tensor> _consistentMasks = [];

    /// <summary>True when the first layer is a Linear that runs once per batch (before any dropout), so it can take a sparse batch (<see cref="SparseFirstLayer"/>).</summary>
    private readonly bool _sparseFirstLayer;
    private readonly Dictionary<int, Tensor[]> _keptUnits = [];

    /// <summary>
    /// MC-Dropout settings: T, consistent masks, rate override, in place or on a copy, seed of the
    /// masks; <paramref name="PassesOnTorchSharp"/> keeps the fresh-mask dropout passes in TorchSharp
    /// when ONNX Runtime runs the prefix (what the benchmark compares the default with).
    /// </summary>
    internal sealed record Dropout(int Iterations, bool Consistent, double? Probability, bool Inplace, int Seed, bool PassesOnTorchSharp = false);

    public TorchBoundInference(ITransformer? prefix, TorchClassifierTransformer model, DataViewSchema poolSchema,
        string? embeddingColumnName, bool needEmbeddings, Dropout? mc, InferenceEngine engine)
    {
        TorchRuntime.EnsureLoaded();
        _prefix = prefix;
        _model = model;
        _mc = mc;
        if (mc is { Inplace: false })
        {
            // A private copy: the trained network keeps its modes and rates whatever happens here.
            using var buffer = new MemoryStream();
            model.Save(buffer);
            buffer.Position = 0;
            _copy = TorchClassifierTransformer.Load(buffer, model.Options.Network);
        }
        _network = _copy?.Network ?? model.Network;
        _network.eval();

        _plan = new DropoutPlan(_network, mc?.Probability);
        if (mc is not null && _plan.Modules.Count == 0)
            throw new ArgumentException(
                "MC-Dropout needs a network with at least one dropout layer; this TorchClassifier's network has none. "
                + "Build it with dropout (e.g. Networks.Mlp(sizes, dropout: 0.5)) or use InferenceMode.Deterministic.");

        _sparseFirstLayer = _plan.Layers is { Count: >= 2 } && _plan.Layers[0] is Linear && _plan.FirstDropout >= 1;
        if (mc is { Consistent: true })
        {
            if (_plan.Layers is null)
                throw new ArgumentException(
                    "Consistent MC-Dropout masks need a Sequential network whose dropouts are its own children (as Networks.Mlp and Networks.ConvNet build them).");
            if (_plan.Dropouts.Values.FirstOrDefault(d => d.Kind is DropoutKind.Alpha or DropoutKind.FeatureAlpha) is { Name: not null } alpha && alpha.Name.Length > 0)
                throw new ArgumentException($"Consistent MC-Dropout masks support Dropout and Dropout1d/2d/3d layers; '{alpha.Name}' is an alpha dropout.");
        }

        var prepared = prefix?.GetOutputSchema(poolSchema) ?? poolSchema;
        int features = TorchClassifierSchema.CheckFeatures(prepared, model.FeatureColumnName);
        if (features != model.FeatureCount)
            throw new ArgumentOutOfRangeException(nameof(poolSchema), features,
                $"Feature column '{model.FeatureColumnName}' of the pool has {features} values per row; the TorchClassifier was trained on {model.FeatureCount}.");
        _embeddingColumn = EmbeddingColumn.Resolve(prepared, embeddingColumnName, needed: false, whyNoOther: null);
        if (needEmbeddings && _embeddingColumn is null)
        {
            if (_plan.Layers is null || _plan.Layers.Count < 2)
                throw new ArgumentException(
                    "This strategy needs row embeddings, and the TorchClassifier's penultimate layer can only be read from a Sequential network "
                    + "of two or more layers: name an embedding column of the pool instead.");
            _networkEmbeddings = true;
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            _networkEmbeddingSize = (int)Penultimate(zeros(1, model.FeatureCount, device: model.Device), 0).shape[1];
        }
        (_onnxPart, _engine, _runner, _onnxPasses, _passesRunner) = ChooseEngine(engine);
    }

    public override int ClassCount => _model.ClassCount;

    public override int Iterations => _mc?.Iterations ?? 1;

    public override int EmbeddingSize => _embeddingColumn?.Size ?? _networkEmbeddingSize;

    public override IDataView Prepare(IDataView pool) => _prefix?.Transform(pool) ?? pool;

    public override IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema prepared)
    {
        yield return prepared[_model.FeatureColumnName];
        if (_embeddingColumn is not null) yield return prepared[_embeddingColumn.Name];
    }

    public override InferenceReader CreateReader(DataViewRowCursor cursor) => new Reader(this, cursor);

    /// <summary>Frees the ONNX Runtime session, the network copy of <c>inplace: false</c> and the cached consistent masks; the trained network is the model's.</summary>
    public override void Dispose()
    {
        if (_runner is { IsValueCreated: true }) _runner.Value.Dispose();
        if (_passesRunner is { IsValueCreated: true }) _passesRunner.Value.Dispose();
        lock (_gate)
        {
            foreach (var tensor in CachedMasks) tensor.Dispose();
            _consistentMasks.Clear();
            _keptUnits.Clear();
        }
        _copy?.Dispose();
        base.Dispose();
    }

    /// <summary>The network the passes run: the trained one, or the copy that <c>inplace: false</c> makes.</summary>
    internal nn.Module<Tensor, Tensor> Network => _network;

    /// <summary>The consistent masks and their kept-unit indices cached so far.</summary>
    internal IReadOnlyList<Tensor> CachedMasks
    {
        get
        {
            lock (_gate) return [.. _consistentMasks.Values, .. _keptUnits.Values.SelectMany(k => k)];
        }
    }

    /// <summary>T×N×C probabilities and embeddings of a [N, F] batch whose rows have ids 0 … N − 1.</summary>
    internal (float[] Probabilities, float[]? Embeddings) Run(Tensor x) => Run(x, Positions((int)x.shape[0]));

    /// <summary>
    /// T×N×C probabilities of a [N, F] batch (layout [t][n][c]) and, when used, N×D embeddings;
    /// <paramref name="rows"/> holds the rows' ids (they key fresh masks), <paramref name="layersDone"/>
    /// &gt; 0 when <paramref name="x"/> has already been through that many of the Sequential's first
    /// layers (which come before any dropout); <paramref name="embeddings"/> false when the caller
    /// has the embeddings already.
    /// </summary>
    internal (float[] Probabilities, float[]? Embeddings) Run(Tensor x, DataViewRowId[] rows, int layersDone = 0, bool embeddings = true)
    {
        int n = (int)x.shape[0];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor logits;
        float[]? penultimate = null;
        if (_plan.Layers is not null)
        {
            int start = Math.Min(_plan.FirstDropout, _plan.Layers.Count - 1);
            var h = x;
            for (int i = layersDone; i < start; i++) h = _plan.Layers[i].call(h);
            if (_networkEmbeddings && embeddings) penultimate = Penultimate(h, start).cpu().data<float>().ToArray();
            logits = _mc is null ? Deterministic(h, start) : Stochastic(h, start, n, rows);
        }
        else
        {
            logits = _mc is null ? _network.call(x) : NaivePasses(x, rows);
        }
        var probabilities = nn.functional.softmax(logits, 1).cpu().data<float>().ToArray();
        return (probabilities, penultimate);
    }

    /// <summary>Row ids 0 … <paramref name="count"/> − 1, for batches given without a cursor.</summary>
    private static DataViewRowId[] Positions(int count) => [.. Enumerable.Range(0, count).Select(i => new DataViewRowId((ulong)i, 0))];
}
