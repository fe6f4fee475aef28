using Energizer.ML.Numerics;
using Energizer.ML.Torch;
using Microsoft.ML;
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

    /// <summary>MC-Dropout settings: T, consistent masks, rate override, in place or on a copy, seed of consistent masks.</summary>
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

    /// <summary>
    /// T×N×C probabilities of a [N, F] batch (layout [t][n][c]) and, when used, N×D embeddings;
    /// <paramref name="layersDone"/> &gt; 0 when <paramref name="x"/> has already been through that
    /// many of the Sequential's first layers (which come before any dropout).
    /// </summary>
    internal (float[] Probabilities, float[]? Embeddings) Run(Tensor x, int layersDone = 0)
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
            logits = _mc is null ? Deterministic(h, start) : Stochastic(h, start, n);
        }
        else
        {
            logits = _mc is null ? _network.call(x) : NaivePasses(x);
        }
        var probabilities = nn.functional.softmax(logits, 1).cpu().data<float>().ToArray();
        return (probabilities, embeddings);
    }

    /// <summary>
    /// The reference loop: T separate passes through every layer, each with that pass's masks
    /// (consistent mode) — what prefix caching and batching must reproduce.
    /// </summary>
    internal float[] RunNaive(Tensor x)
    {
        if (_layers is null || _mc is null) throw new InvalidOperationException("The naive loop is defined for MC-Dropout on Sequential networks.");
        int n = (int)x.shape[0];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var passes = new List<Tensor>();
        for (int t = 0; t < _mc.Iterations; t++)
        {
            var z = x;
            for (int i = 0; i < _layers.Count; i++)
            {
                z = _dropouts.TryGetValue(i, out var d)
                    ? _mc.Consistent ? ConsistentMask(i, d, z.shape[1..], z.device)[t].mul(z) : Fresh(z, d)
                    : _layers[i].call(z);
            }
            passes.Add(z);
        }
        return nn.functional.softmax(cat(passes, 0), 1).cpu().data<float>().ToArray();
    }

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

    private Tensor Stochastic(Tensor h, int start, int n)
    {
        int t = _mc!.Iterations;
        long[] rowShape = h.shape[1..];
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
                z = _layers[i].call(z);
                rowShape = z.shape[1..];
                continue;
            }
            if (d.Rate == 0 || d.Kind is DropoutKind.Alpha or DropoutKind.FeatureAlpha)
            {
                if (!expanded) z = Repeat(h, t);
                expanded = true;
                z = Fresh(z, d);
                continue;
            }
            if (_mc.Consistent && rowShape.Length == 1 && MaskedLinearChain(i) is { Count: > 0 } chain)
            {
                z = MaskedLinears(chain, z, expanded, t, n);
                expanded = true;
                rowShape = z.shape[1..];
                i = chain[^1].Linear;
                continue;
            }
            var mask = _mc.Consistent ? ConsistentMask(i, d, rowShape, z.device) : FreshMask([t, n, .. MaskRowShape(rowShape, d.Kind)], 1 - d.Rate, z.device);
            z = expanded
                ? z.view([t, n, .. rowShape]).mul_(mask).view([t * n, .. rowShape])
                : z.unsqueeze(0).mul(mask).view([t * n, .. rowShape]);
            expanded = true;
        }
        return z;
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

    /// <summary>The per-row mask shape: the row's shape, or [C, 1, ...] for channel dropout.</summary>
    private static IEnumerable<long> MaskRowShape(long[] rowShape, DropoutKind kind) =>
        rowShape.Select((size, axis) => kind == DropoutKind.Channel && axis > 0 ? 1L : size);

    private static Tensor Fresh(Tensor z, DropoutLayer d)
    {
        if (d.Rate == 0) return z;
        switch (d.Kind)
        {
            case DropoutKind.Alpha:
                return nn.functional.alpha_dropout(z, d.Rate, training: true);
            case DropoutKind.FeatureAlpha:
                return nn.functional.feature_alpha_dropout(z, d.Rate, training: true);
            default:
                return z.mul(FreshMask([z.shape[0], .. MaskRowShape(z.shape[1..], d.Kind)], 1 - d.Rate, z.device));
        }
    }

    /// <summary>
    /// A fresh dropout mask of <paramref name="shape"/>: each value is 1/keep with probability
    /// <paramref name="keep"/>, else 0. On the CPU it is drawn in managed code: LibTorch's CPU
    /// <c>bernoulli_</c>/<c>uniform_</c> draw one Mersenne-Twister number per element on one thread,
    /// which was most of MC-Dropout's time (the benchmarks' --mc-dropout). Here each element
    /// compares 32 bits of a SplitMix64 stream with keep·2³², the stream seeded from torch's
    /// default generator, so <c>torch.manual_seed</c> still makes the masks reproducible.
    /// </summary>
    private static Tensor FreshMask(long[] shape, double keep, Device device)
    {
        if (device.type != DeviceType.CPU)
        {
            using var ownedKeep = keep.ToScalar();
            return empty(shape, device: device).bernoulli_(keep).div_(ownedKeep);
        }
        ulong state = (ulong)randint(long.MaxValue, [1], dtype: ScalarType.Int64).item<long>();
        return FreshMask(shape, state, keep, parallel: true);
    }

    /// <summary>
    /// A CPU mask of <paramref name="shape"/> drawn from the SplitMix64 stream at
    /// <paramref name="state"/>, written straight into the tensor's memory (a managed array copied
    /// into a tensor cost twice the drawing itself: a large-object allocation and a copy per mask).
    /// </summary>
    internal static Tensor FreshMask(long[] shape, ulong state, double keep, bool parallel)
    {
        uint threshold = (uint)Math.Min(uint.MaxValue, Math.Round(keep * 4294967296.0));
        int scale = BitConverter.SingleToInt32Bits((float)(1 / keep));
        var mask = empty(shape, dtype: ScalarType.Float32);
        int count = checked((int)mask.numel());
        // SplitMix64's state advances by a constant per draw, so chunk c can start at draw c·chunk
        // directly: the mask is the same whatever the chunking, and chunks fill on several cores.
        const int ChunkWords = 1 << 16;
        int chunks = (count + ChunkWords - 1) / ChunkWords;
        if (!parallel || chunks <= 1 || Environment.ProcessorCount == 1) FillMask(Words(mask), 0, count, state, threshold, scale);
        else
        {
            Parallel.For(0, chunks, c =>
            {
                int from = c * ChunkWords;
                FillMask(Words(mask), from, Math.Min(count, from + ChunkWords), state + ((ulong)(from / 2) * SplitMixGamma), threshold, scale);
            });
        }
        return mask;
    }

    /// <summary>The memory of a contiguous CPU float tensor, as the bits of its values.</summary>
    private static Span<int> Words(Tensor values) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(values.bytes);

    private const ulong SplitMixGamma = 0x9E3779B97F4A7C15UL;

    /// <summary>Fills words [<paramref name="from"/>, <paramref name="to"/>) (from even) from the stream at <paramref name="state"/>.</summary>
    private static void FillMask(Span<int> all, int from, int to, ulong state, uint threshold, int scale)
    {
        var words = all[from..to];
        for (int j = 0; j < words.Length; j += 2)
        {
            ulong bits = SplitMix64(ref state);
            // Branch-free (the draws are unpredictable): (u - threshold) underflows, setting bit 63, exactly
            // when u < threshold; negated, that bit is an all-ones mask that keeps the bits of 1/keep, else 0.
            words[j] = scale & -(int)((((ulong)(uint)bits) - threshold) >> 63);
            if (j + 1 < words.Length) words[j + 1] = scale & -(int)(((bits >> 32) - threshold) >> 63);
        }
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += SplitMixGamma;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
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
            var mask = ConsistentMasks(_mc!.Seed, layer, _mc.Iterations, [.. MaskRowShape(rowShape, d.Kind)], d.Rate, device);
            mask.DetachFromDisposeScope();
            _consistentMasks[layer] = mask;
            return mask;
        }
    }

    /// <summary>
    /// The consistent masks of the Sequential's child <paramref name="layer"/>: [T, 1, ...
    /// <paramref name="perRow"/>], each value 0 or 1/keep, drawn from a generator seeded by
    /// (<paramref name="seed"/>, <paramref name="layer"/>); the ONNX export of consistent MC-Dropout uses the same.
    /// </summary>
    internal static Tensor ConsistentMasks(int seed, int layer, int iterations, long[] perRow, double rate, Device device)
    {
        long[] shape = [iterations, 1, .. perRow];
        if (rate == 0) return ones(shape, device: device);
        double keep = 1 - rate;
        using var generator = new Generator((ulong)SeededHash.Bits(seed, SeededHash.StepStreams + 0xD0, layer), device: device);
        using var ownedKeep = keep.ToScalar();
        return empty(shape, device: device).bernoulli_(keep, generator: generator).div_(ownedKeep);
    }

    private Tensor NaivePasses(Tensor x)
    {
        // The network's own modules switch modes, so passes on a shared (in-place) network are serialised.
        lock (_gate)
        {
            var rates = _dropoutModules.Select(Rate).ToList();
            try
            {
                foreach (var module in _dropoutModules)
                {
                    module.train();
                    if (_mc!.Probability is { } p) SetRate(module, p);
                }
                var passes = new List<Tensor>();
                for (int t = 0; t < _mc!.Iterations; t++) passes.Add(_network.call(x));
                return cat(passes, 0);
            }
            finally
            {
                for (int i = 0; i < _dropoutModules.Count; i++)
                {
                    SetRate(_dropoutModules[i], rates[i]);
                    _dropoutModules[i].eval();
                }
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

    private static void SetRate(nn.Module module, double rate)
    {
        switch (module)
        {
            case TorchSharp.Modules.Dropout d: d.p = rate; break;
            case Dropout1d d: d.p = rate; break;
            case Dropout2d d: d.p = rate; break;
            case Dropout3d d: d.p = rate; break;
            case AlphaDropout d: d.p = rate; break;
            case FeatureAlphaDropout d: d.p = rate; break;
        }
    }

    private sealed class Reader : InferenceReader
    {
        private readonly TorchBoundInference _bound;
        private readonly DataViewRowCursor _cursor;
        private readonly EmbeddingColumn.Reader? _embedding;
        private readonly Action _readEmbedding;
        private float[] _embeddings = [];
        private int _rows;

        public Reader(TorchBoundInference bound, DataViewRowCursor cursor)
        {
            _bound = bound;
            _cursor = cursor;
            _embedding = bound._embeddingColumn?.CreateReader(cursor);
            _readEmbedding = () => { };
            if (_embedding is not null) _readEmbedding = ReadEmbedding;
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
            bool any = features.ReadBatch(() =>
            {
                onRow();
                _readEmbedding();
                _rows++;
            });
            if (!any) return null;
            int n = features.Count;
            using var scope = NewDisposeScope();
            // Sparse rows (e.g. text n-grams) go through the first Linear by their non-zeros only;
            // every later layer sees dense activations.
            var (probabilities, networkEmbeddings) = _sparse is not null && SparseFirstLayer.Takes(features)
                ? _bound.Run(_sparse.Forward(features.SparseBatch()), layersDone: 1)
                : _bound.Run(features.FeaturesTensor(_bound._model.Device));
            float[]? embeddings = networkEmbeddings;
            if (_embedding is not null) embeddings = _embeddings.AsSpan(0, n * _embedding.Size).ToArray();
            return (new ProbabilityTensor(probabilities, _bound.Iterations, n, _bound.ClassCount), embeddings);
        }
    }
}
