using Energizer.ML.Acquisition;
using Energizer.ML.Numerics;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Inference;

/// <summary>
/// Runs a TorchClassifier's network on pool batches: deterministically (eval mode, for
/// penultimate embeddings) or with MC-Dropout. For a <see cref="Sequential"/> network whose
/// dropouts are its own children (as <see cref="Networks"/> builds them) dropout is applied
/// here, functionally, with the network left in eval mode: the layers before the first dropout
/// run once per batch, the rest run once on the T copies stacked into one batch of T·N rows.
/// Other networks run T whole passes with their dropout modules switched to training mode.
/// </summary>
internal sealed class TorchBoundInference : BoundInference
{
    private readonly ITransformer? _prefix;
    private readonly TorchClassifierTransformer _model;
    private readonly TorchClassifierTransformer? _copy;
    private readonly nn.Module<Tensor, Tensor> _network;
    private readonly List<nn.Module<Tensor, Tensor>>? _layers;
    private readonly Dictionary<int, DropoutLayer> _dropouts = [];
    private readonly List<nn.Module> _dropoutModules;
    private readonly int _firstDropout;
    private readonly Dropout? _mc;
    private readonly EmbeddingColumn? _embeddingColumn;
    private readonly bool _networkEmbeddings;
    private readonly int _networkEmbeddingSize;
    private readonly object _gate = new();
    private readonly Dictionary<int, Tensor> _consistentMasks = [];

    /// <summary>True when the first layer is a Linear that runs once per batch (before any dropout), so it can take a sparse batch (<see cref="SparseFirstLayer"/>).</summary>
    private readonly bool _sparseFirstLayer;
    private readonly Dictionary<int, Tensor[]> _keptUnits = [];

    /// <summary>MC-Dropout settings: T, consistent masks, rate override, in place or on a copy, seed of the masks.</summary>
    internal sealed record Dropout(int Iterations, bool Consistent, double? Probability, bool Inplace, int Seed);

    private enum DropoutKind
    {
        Elementwise,
        Channel,
        Alpha,
        FeatureAlpha,
    }

    private readonly record struct DropoutLayer(DropoutKind Kind, double Rate, string Name);

    public TorchBoundInference(ITransformer? prefix, TorchClassifierTransformer model, DataViewSchema poolSchema,
        string? embeddingColumnName, bool needEmbeddings, Dropout? mc)
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

        _dropoutModules = [.. _network.modules().Where(m => Kind(m) is not null)];
        if (mc is not null && _dropoutModules.Count == 0)
            throw new ArgumentException(
                "MC-Dropout needs a network with at least one dropout layer; this TorchClassifier's network has none. "
                + "Build it with dropout (e.g. Networks.Mlp(sizes, dropout: 0.5)) or use InferenceMode.Deterministic.");

        if (_network is Sequential sequential && TopLevelDropoutsOnly(sequential))
        {
            _layers = [.. Enumerable.Range(0, sequential.Count).Select(i => (nn.Module<Tensor, Tensor>)sequential[i])];
            var names = sequential.named_children().Select(c => c.name).ToList();
            for (int i = 0; i < _layers.Count; i++)
            {
                if (Kind(_layers[i]) is { } kind) _dropouts[i] = new DropoutLayer(kind, mc?.Probability ?? Rate(_layers[i]), names[i]);
            }
        }
        _firstDropout = _layers is null ? 0 : _dropouts.Count == 0 ? _layers.Count : _dropouts.Keys.Min();
        _sparseFirstLayer = _layers is { Count: >= 2 } && _layers[0] is Linear && _firstDropout >= 1;
        if (mc is { Consistent: true })
        {
            if (_layers is null)
                throw new ArgumentException(
                    "Consistent MC-Dropout masks need a Sequential network whose dropouts are its own children (as Networks.Mlp and Networks.ConvNet build them).");
            if (_dropouts.Values.FirstOrDefault(d => d.Kind is DropoutKind.Alpha or DropoutKind.FeatureAlpha) is { Name: not null } alpha && alpha.Name.Length > 0)
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
            if (_layers is null || _layers.Count < 2)
                throw new ArgumentException(
                    "This strategy needs row embeddings, and the TorchClassifier's penultimate layer can only be read from a Sequential network "
                    + "of two or more layers: name an embedding column of the pool instead.");
            _networkEmbeddings = true;
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            _networkEmbeddingSize = (int)Penultimate(zeros(1, model.FeatureCount, device: model.Device), 0).shape[1];
        }
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

    /// <summary>Frees the network copy of <c>inplace: false</c> and the cached consistent masks; the trained network is the model's.</summary>
    public override void Dispose()
    {
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
    /// layers (which come before any dropout).
    /// </summary>
    internal (float[] Probabilities, float[]? Embeddings) Run(Tensor x, DataViewRowId[] rows, int layersDone = 0)
    {
        int n = (int)x.shape[0];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor logits;
        float[]? embeddings = null;
        if (_layers is not null)
        {
            int start = Math.Min(_firstDropout, _layers.Count - 1);
            var h = x;
            for (int i = layersDone; i < start; i++) h = _layers[i].call(h);
            if (_networkEmbeddings) embeddings = Penultimate(h, start).cpu().data<float>().ToArray();
            logits = _mc is null ? Deterministic(h, start) : Stochastic(h, start, n, rows);
        }
        else
        {
            logits = _mc is null ? _network.call(x) : NaivePasses(x, rows);
        }
        var probabilities = nn.functional.softmax(logits, 1).cpu().data<float>().ToArray();
        return (probabilities, embeddings);
    }

    /// <summary>
    /// The reference loop: T separate passes through every layer, each with that pass's masks
    /// — what prefix caching and batching must reproduce. The rows have ids 0 … N − 1.
    /// </summary>
    internal float[] RunNaive(Tensor x)
    {
        if (_layers is null || _mc is null) throw new InvalidOperationException("The naive loop is defined for MC-Dropout on Sequential networks.");
        int n = (int)x.shape[0];
        var rows = Positions(n);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var passes = new List<Tensor>();
        for (int t = 0; t < _mc.Iterations; t++)
        {
            var z = x;
            for (int i = 0; i < _layers.Count; i++)
            {
                if (!_dropouts.TryGetValue(i, out var d)) z = _layers[i].call(z);
                else if (d.Rate > 0) z = ApplyDropout(z.unsqueeze(0), Masks(i, d, z.shape[1..], z.device, rows, n, t, 1), d).squeeze(0);
            }
            passes.Add(z);
        }
        return nn.functional.softmax(cat(passes, 0), 1).cpu().data<float>().ToArray();
    }

    /// <summary>Row ids 0 … <paramref name="count"/> − 1, for batches given without a cursor.</summary>
    private static DataViewRowId[] Positions(int count) => [.. Enumerable.Range(0, count).Select(i => new DataViewRowId((ulong)i, 0))];

    private Tensor Deterministic(Tensor h, int start)
    {
        var z = h;
        for (int i = start; i < _layers!.Count; i++)
        {
            if (!_dropouts.ContainsKey(i)) z = _layers[i].call(z);
        }
        return z;
    }

    private Tensor Penultimate(Tensor h, int start)
    {
        var z = h;
        for (int i = start; i < _layers!.Count - 1; i++)
        {
            if (!_dropouts.ContainsKey(i)) z = _layers[i].call(z);
        }
        return z;
    }

    private Tensor Stochastic(Tensor h, int start, int n, DataViewRowId[] rows)
    {
        int t = _mc!.Iterations;
        // The T copies of h are never materialised: the first dropout multiplies h, viewed as
        // [1, N, ...], by masks of [T, N, ...] (or [T, 1, ...]) and the product is the T·N batch.
        // Later masks multiply the T·N activations in place (they are this method's own temporaries).
        var z = h;
        bool expanded = false;
        for (int i = start; i < _layers!.Count; i++)
        {
            if (!_dropouts.TryGetValue(i, out var d))
            {
                if (!expanded) z = Repeat(h, t);
                expanded = true;
                // The T·N activations are this method's own temporaries: ReLU may overwrite them.
                z = _layers[i] is ReLU ? z.relu_() : _layers[i].call(z);
                continue;
            }
            if (d.Rate == 0) continue;
            long[] rowShape = z.shape[1..];
            if (_mc.Consistent && rowShape.Length == 1 && MaskedLinearChain(i) is { Count: > 0 } chain)
            {
                z = MaskedLinears(chain, z, expanded, t, n);
                expanded = true;
                i = chain[^1].Linear;
                continue;
            }
            if (!_mc.Consistent && d.Kind is DropoutKind.Elementwise or DropoutKind.Channel && z.device.type == DeviceType.CPU)
            {
                // Fresh masks on the CPU are written straight into the activations (no mask tensor).
                int units = (int)MaskRowShape(rowShape, d.Kind).Aggregate(1L, (a, b) => a * b);
                double keep = 1 - d.Rate;
                z = expanded
                    ? DropoutMasks.ApplyInPlace(z.contiguous(), t, _mc.Seed, i, rows, units, keep, (float)(1 / keep))
                    : DropoutMasks.Expand(z.contiguous(), t, _mc.Seed, i, rows, units, keep, (float)(1 / keep));
                expanded = true;
                continue;
            }
            var mask = Masks(i, d, rowShape, z.device, rows, n, 0, t);
            z = ApplyDropout(expanded ? z.view([t, n, .. rowShape]) : z.unsqueeze(0), mask, d, inPlace: expanded).view([t * n, .. rowShape]);
            expanded = true;
        }
        return expanded ? z : Repeat(z, t);
    }

    /// <summary>
    /// From consistent dropout <paramref name="start"/>: the run of (elementwise dropout, Linear)
    /// pairs, each Linear followed by elementwise activations and the next pair's dropout; empty
    /// when the layer after <paramref name="start"/> is not a Linear.
    /// </summary>
    private List<(int Dropout, int Linear)> MaskedLinearChain(int start)
    {
        var chain = new List<(int, int)>();
        int i = start;
        while (_dropouts.TryGetValue(i, out var d) && d.Kind == DropoutKind.Elementwise && d.Rate > 0 && i + 1 < _layers!.Count && _layers[i + 1] is Linear)
        {
            chain.Add((i, i + 1));
            int next = i + 2;
            while (next < _layers.Count && _layers[next] is ReLU or LeakyReLU or GELU or Tanh or Sigmoid) next++;
            i = next;
        }
        return chain;
    }

    /// <summary>
    /// Consistent dropouts each followed by a Linear, for the T passes. Pass t's mask keeps a fixed
    /// set K_t of units, so (x ⊙ m_t)·Wᵀ + b = x[:, K_t]·W[:, K_t]ᵀ/keep + b: a product over only
    /// the kept inputs. When the Linear's outputs go (through elementwise activations) into the
    /// next dropout of the chain, only the outputs that dropout keeps are computed, so the pass
    /// runs on compacted activations (about keep² of the multiply-adds between two dropouts).
    /// Weights are gathered per batch, so a network trained further in place is read as it is
    /// now. <paramref name="z"/> is [N, F] shared by all passes (not yet expanded) or [T·N, F];
    /// the result is [T·N, out] of the chain's last Linear.
    /// </summary>
    private Tensor MaskedLinears(List<(int Dropout, int Linear)> chain, Tensor z, bool expanded, int t, int n)
    {
        // Each dropout's units: the chain's input width for the first, the previous Linear's outputs after.
        var kept = chain.Select((c, g) => KeptUnits(c.Dropout, _dropouts[c.Dropout],
            g == 0 ? z.shape[1..] : [((Linear)_layers![chain[g - 1].Linear]).weight!.shape[0]], z.device)).ToList();
        var passes = new Tensor[t];
        for (int s = 0; s < t; s++)
        {
            var x = (expanded ? z.narrow(0, (long)s * n, n) : z).index_select(1, kept[0][s]);
            for (int g = 0; g < chain.Count; g++)
            {
                var linear = (Linear)_layers![chain[g].Linear];
                Tensor weight = linear.weight!.index_select(1, kept[g][s]);
                Tensor? bias = linear.bias;
                if (g + 1 < chain.Count)
                {
                    weight = weight.index_select(0, kept[g + 1][s]);
                    bias = bias?.index_select(0, kept[g + 1][s]);
                }
                float scale = (float)(1 / (1 - _dropouts[chain[g].Dropout].Rate));
                if (bias is null)
                {
                    using var ownedScale = scale.ToScalar();
                    x = x.matmul(weight.t()).mul_(ownedScale);
                }
                else
                {
                    x = addmm(bias, x, weight.t(), beta: 1, alpha: scale);
                }
                if (g + 1 < chain.Count)
                {
                    for (int a = chain[g].Linear + 1; a < chain[g + 1].Dropout; a++) x = _layers[a].call(x);
                }
            }
            passes[s] = x;
        }
        return cat(passes, 0);
    }

    /// <summary>For each pass, the indices of the units that consistent dropout <paramref name="layer"/> keeps.</summary>
    private Tensor[] KeptUnits(int layer, DropoutLayer d, long[] rowShape, Device device)
    {
        var mask = ConsistentMask(layer, d, rowShape, device);
        lock (_gate)
        {
            if (_keptUnits.TryGetValue(layer, out var cached)) return cached;
            var kept = new Tensor[mask.shape[0]];
            for (int s = 0; s < kept.Length; s++)
            {
                kept[s] = mask[s, 0].nonzero().squeeze(1);
                kept[s].DetachFromDisposeScope();
            }
            _keptUnits[layer] = kept;
            return kept;
        }
    }

    private static Tensor Repeat(Tensor h, int t)
    {
        var repeats = new long[h.dim()];
        Array.Fill(repeats, 1L);
        repeats[0] = t;
        return h.repeat(repeats);
    }

    /// <summary>The per-row mask shape: the row's shape, or [C, 1, ...] for channel and feature-alpha dropout.</summary>
    private static IEnumerable<long> MaskRowShape(long[] rowShape, DropoutKind kind) =>
        rowShape.Select((size, axis) => kind is DropoutKind.Channel or DropoutKind.FeatureAlpha && axis > 0 ? 1L : size);

    /// <summary>
    /// Masks of passes [<paramref name="firstPass"/>, +<paramref name="passes"/>) of dropout
    /// <paramref name="layer"/> for rows of <paramref name="rowShape"/>: fresh ones [passes, N, ...]
    /// of <paramref name="rows"/>, or the cached consistent ones [passes, 1, ...]. Values are 0 or
    /// 1/keep, or 0 or 1 for an alpha dropout (<see cref="ApplyDropout"/> scales those).
    /// </summary>
    private Tensor Masks(int layer, DropoutLayer d, long[] rowShape, Device device, DataViewRowId[] rows, int n, int firstPass, int passes)
    {
        if (_mc!.Consistent) return ConsistentMask(layer, d, rowShape, device).narrow(0, firstPass, passes);
        bool alpha = d.Kind is DropoutKind.Alpha or DropoutKind.FeatureAlpha;
        return DropoutMasks.Fresh(_mc.Seed, layer, firstPass, passes, rows, n, [.. MaskRowShape(rowShape, d.Kind)], 1 - d.Rate, alpha ? 1 : (float)(1 / (1 - d.Rate)), device);
    }

    /// <summary>
    /// Dropout <paramref name="d"/> on <paramref name="z"/> ([1 or T, N, ...]) with
    /// <paramref name="mask"/> ([T, N or 1, ...]). An alpha dropout keeps SELU's mean and variance as
    /// LibTorch's does (Klambauer et al., 2017): a = 1/√((α²p + 1)(1 − p)) with α = 1.7580993408473766,
    /// kept units become a·x + α·a·p and dropped ones α·a·(p − 1), that is a·m·(x + α) + α·a·(p − 1)
    /// for m in {0, 1}.
    /// </summary>
    private static Tensor ApplyDropout(Tensor z, Tensor mask, DropoutLayer d, bool inPlace = false)
    {
        if (d.Kind is not (DropoutKind.Alpha or DropoutKind.FeatureAlpha)) return inPlace ? z.mul_(mask) : z.mul(mask);
        const double Alpha = 1.7580993408473766;
        double p = d.Rate, a = 1 / Math.Sqrt(((Alpha * Alpha * p) + 1) * (1 - p));
        using var alpha = Alpha.ToScalar();
        using var scale = a.ToScalar();
        using var offset = (Alpha * a * (p - 1)).ToScalar();
        using var one = 1.ToScalar();
        return z.mul(mask).add_(mask, alpha: alpha).mul_(scale).add_(offset, alpha: one);
    }

    /// <summary>
    /// The T masks of dropout layer <paramref name="layer"/>, drawn once from a generator seeded
    /// by (seed, layer) and reused for every row and batch: shape [T, 1, ...] (channel dropout:
    /// [T, 1, C, 1, ...]), already divided by the keep probability.
    /// </summary>
    private Tensor ConsistentMask(int layer, DropoutLayer d, long[] rowShape, Device device)
    {
        lock (_gate)
        {
            if (_consistentMasks.TryGetValue(layer, out var cached)) return cached;
            var mask = DropoutMasks.Consistent(_mc!.Seed, layer, _mc.Iterations, [.. MaskRowShape(rowShape, d.Kind)], d.Rate, device);
            mask.DetachFromDisposeScope();
            _consistentMasks[layer] = mask;
            return mask;
        }
    }

    /// <summary>
    /// T whole passes of a network whose dropouts are not a Sequential's own children: the network
    /// stays in eval mode (its dropouts are identities) and a forward hook on each dropout module
    /// applies that pass's mask to the module's input.
    /// </summary>
    private Tensor NaivePasses(Tensor x, DataViewRowId[] rows)
    {
        int n = (int)x.shape[0];
        int pass = 0;
        // Hooks live on the network's own modules, so passes on a shared (in-place) network are serialised.
        lock (_gate)
        {
            var hooks = _dropoutModules.Select((module, layer) =>
            {
                var d = new DropoutLayer(Kind(module)!.Value, _mc!.Probability ?? Rate(module), module.GetName());
                return ((nn.Module<Tensor, Tensor>)module).register_forward_hook((_, input, output) =>
                    d.Rate == 0 ? output : ApplyDropout(input.unsqueeze(0), Masks(layer, d, input.shape[1..], input.device, rows, n, pass, 1), d).squeeze(0));
            }).ToList();
            try
            {
                var passes = new List<Tensor>();
                for (pass = 0; pass < _mc!.Iterations; pass++) passes.Add(_network.call(x));
                return cat(passes, 0);
            }
            finally
            {
                foreach (var hook in hooks) hook.remove();
            }
        }
    }

    private static bool TopLevelDropoutsOnly(Sequential sequential) =>
        sequential.named_children().All(c => Kind(c.module) is not null || !c.module.modules().Skip(1).Any(m => Kind(m) is not null));

    private static DropoutKind? Kind(nn.Module module) => module switch
    {
        TorchSharp.Modules.Dropout => DropoutKind.Elementwise,
        Dropout1d or Dropout2d or Dropout3d => DropoutKind.Channel,
        AlphaDropout => DropoutKind.Alpha,
        FeatureAlphaDropout => DropoutKind.FeatureAlpha,
        _ => null,
    };

    private static double Rate(nn.Module module) => module switch
    {
        TorchSharp.Modules.Dropout d => d.p,
        Dropout1d d => d.p,
        Dropout2d d => d.p,
        Dropout3d d => d.p,
        AlphaDropout d => d.p,
        FeatureAlphaDropout d => d.p,
        _ => 0,
    };

    private sealed class Reader : InferenceReader
    {
        private readonly TorchBoundInference _bound;
        private readonly DataViewRowCursor _cursor;
        private readonly EmbeddingColumn.Reader? _embedding;
        private readonly Action _readEmbedding;
        private readonly ValueGetter<DataViewRowId> _rowId;
        private DataViewRowId[] _rowIds = [];
        private float[] _embeddings = [];
        private int _rows;

        public Reader(TorchBoundInference bound, DataViewRowCursor cursor)
        {
            _bound = bound;
            _cursor = cursor;
            _embedding = bound._embeddingColumn?.CreateReader(cursor);
            _readEmbedding = () => { };
            if (_embedding is not null) _readEmbedding = ReadEmbedding;
            _rowId = cursor.GetIdGetter();
            if (bound._sparseFirstLayer) _sparse = SparseFirstLayer.For(bound._network);
        }

        private readonly SparseFirstLayer? _sparse;

        public override void Dispose()
        {
            _sparse?.Dispose();
            base.Dispose();
        }

        private FeatureBatchReader Features(int maxRows) =>
            _featuresCache is { } f && f.BatchSize == maxRows ? f : _featuresCache = new FeatureBatchReader(_cursor, _bound._model.FeatureColumnName, maxRows);

        private FeatureBatchReader? _featuresCache;

        private void ReadEmbedding()
        {
            int size = _embedding!.Size;
            if (_embeddings.Length < (_rows + 1) * size) Array.Resize(ref _embeddings, Math.Max(size, _embeddings.Length * 2));
            _embedding.Read(_embeddings.AsSpan(_rows * size, size));
        }

        public override (ProbabilityTensor Probabilities, float[]? Embeddings)? Next(int maxRows, Action onRow)
        {
            var features = Features(maxRows);
            _rows = 0;
            if (_rowIds.Length < maxRows) _rowIds = new DataViewRowId[maxRows];
            bool any = features.ReadBatch(() =>
            {
                onRow();
                _rowId(ref _rowIds[_rows]);
                _readEmbedding();
                _rows++;
            });
            if (!any) return null;
            int n = features.Count;
            using var scope = NewDisposeScope();
            // Sparse rows (e.g. text n-grams) go through the first Linear by their non-zeros only;
            // every later layer sees dense activations.
            var (probabilities, networkEmbeddings) = _sparse is not null && SparseFirstLayer.Takes(features)
                ? _bound.Run(_sparse.Forward(features.SparseBatch()), _rowIds, layersDone: 1)
                : _bound.Run(features.FeaturesTensor(_bound._model.Device), _rowIds);
            float[]? embeddings = networkEmbeddings;
            if (_embedding is not null) embeddings = _embeddings.AsSpan(0, n * _embedding.Size).ToArray();
            return (new ProbabilityTensor(probabilities, _bound.Iterations, n, _bound.ClassCount), embeddings);
        }
    }
}
