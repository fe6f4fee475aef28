using System.Buffers;
using Energizer.ML.Onnx;
using Energizer.ML.Torch.OnnxExport;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Inference;

/// <summary>
/// The ONNX Runtime side of the binding (docs/design.md, "Scoring engines"): deterministic scoring
/// runs the whole exported network there; MC-Dropout runs the layers before the first dropout
/// there, once per batch. With fresh masks the T dropout passes run there too, as one batch of T·N
/// rows whose masks are inputs written by <see cref="DropoutMasks"/>; consistent masks keep the
/// TorchSharp passes, which multiply only the kept units. Either way the masks are the library's,
/// so scores and selections do not depend on the engine. The export is made once per fitted model
/// (<see cref="Torch.TorchClassifierTransformer.Export{T}"/>); the session is made at the first
/// batch and freed with the binding.
/// </summary>
internal sealed partial class TorchBoundInference
{
    private const string OnnxInput = "features";
    private const string OnnxProbabilities = "probabilities";
    private const string OnnxEmbedding = "embedding";
    private const string OnnxPrefixOutput = "prefix";
    private const string OnnxPassesInput = "passes";

    private readonly OnnxPart? _onnxPart;
    private readonly Lazy<OnnxNetworkRunner>? _runner;
    private readonly OnnxPasses? _onnxPasses;
    private readonly Lazy<OnnxNetworkRunner>? _passesRunner;
    private readonly string _engine;
    private int _sparseBatchesOnTorch;

    /// <summary>What ONNX Runtime runs: the whole network (<paramref name="Layers"/> = 0) or its first <paramref name="Layers"/> children, whose output rows have <paramref name="RowShape"/>.</summary>
    private sealed record OnnxPart(byte[] Model, int Layers, long[] RowShape);

    /// <summary>
    /// The fresh-mask dropout passes on ONNX Runtime: the children after the first dropout
    /// (<see cref="OnnxNetworkWriter.WriteTail"/>), fed the prefix's activations times the first
    /// dropout's masks and the later dropouts' masks as inputs.
    /// </summary>
    private sealed record OnnxPasses(byte[] Model, int FirstDropoutUnits, PassMask[] Masks);

    /// <summary>The mask input of a later dropout: its layer, input name, per-row mask shape, units and keep probability.</summary>
    private sealed record PassMask(int Layer, string Name, long[] MaskRow, int Units, double Keep);

    /// <summary>The engine that scores this binding's batches, with the reason when <c>Auto</c> fell back to TorchSharp.</summary>
    internal override string Engine => Volatile.Read(ref _sparseBatchesOnTorch) == 0
        ? _engine
        : _engine + "; sparse batches: TorchSharp (through the sparse first layer)";

    /// <summary>Whether ONNX Runtime scores this binding's dense batches.</summary>
    internal bool OnOnnxRuntime => _onnxPart is not null;

    private (OnnxPart? Part, string Engine, Lazy<OnnxNetworkRunner>? Runner, OnnxPasses? Passes, Lazy<OnnxNetworkRunner>? PassesRunner) ChooseEngine(InferenceEngine engine)
    {
        if (engine == InferenceEngine.TorchSharp) return (null, "TorchSharp", null, null, null);
        string? reason = null;
        OnnxPart? part = null;
        try
        {
            if (_model.Device.type != DeviceType.CPU)
                reason = $"the network is on {_model.Device.type}, and the library runs ONNX Runtime on the CPU";
            else if (OnnxNetworkRunner.Unavailable is { } unavailable)
                reason = unavailable;
            else if (_mc is null)
                part = _model.Export("onnx-scoring", () => new OnnxPart(
                    OnnxNetworkWriter.Write(_model.Network, _model.FeatureCount, new(OnnxInput, OnnxProbabilities, "training_mode", OnnxEmbedding, null), rate: null, consistent: null),
                    0, [_model.ClassCount]));
            else if (_plan.Layers is null)
                reason = "its dropouts are not children of the top Sequential, so the layers before the first dropout cannot run apart from the dropout passes";
            else if (_plan.FirstDropout == 0)
                reason = "its first layer is a dropout, so no layer runs before the dropout passes";
            else
                part = _model.Export($"onnx-prefix-{_plan.FirstDropout}{(_networkEmbeddings ? "-embedding" : "")}", () =>
                {
                    var (model, row) = OnnxNetworkWriter.WritePrefix((TorchSharp.Modules.Sequential)_model.Network, _plan.FirstDropout, _model.FeatureCount,
                        OnnxInput, OnnxPrefixOutput, _networkEmbeddings ? OnnxEmbedding : null);
                    return new OnnxPart(model, _plan.FirstDropout, row);
                });
        }
        catch (NotSupportedException e)
        {
            reason = "it does not export to ONNX: " + e.Message;
        }
        if (part is not null)
        {
            var chosen = part;
            var runner = new Lazy<OnnxNetworkRunner>(() => new OnnxNetworkRunner(chosen.Model, OnnxInput, _model.FeatureCount, torch.get_num_threads()));
            var passes = part.Layers == 0 ? null : ExportPasses(part.RowShape);
            var passesRunner = passes is null ? null : new Lazy<OnnxNetworkRunner>(() =>
                new OnnxNetworkRunner(passes.Model, OnnxPassesInput, (int)part.RowShape.Aggregate(1L, (a, b) => a * b), torch.get_num_threads()));
            string what = part.Layers == 0
                ? "OnnxRuntime"
                : passes is not null
                    ? $"OnnxRuntime (the {part.Layers} layer(s) before the first dropout once, then the T dropout passes with the library's masks as inputs)"
                    : $"OnnxRuntime (the {part.Layers} layer(s) before the first dropout) + TorchSharp (dropout passes)";
            return (part, what, runner, passes, passesRunner);
        }
        if (engine == InferenceEngine.OnnxRuntime)
            throw new ArgumentException(
                $"InferenceEngine.OnnxRuntime cannot score this TorchClassifier: {reason}. Use InferenceEngine.Auto (which falls back to TorchSharp) or InferenceEngine.TorchSharp.",
                "learner");
        _model.LogOnce($"TorchClassifier scoring: InferenceEngine.Auto runs TorchSharp, not ONNX Runtime: {reason}.");
        return (null, $"TorchSharp (Auto: {reason})", null, null, null);
    }

    /// <summary>
    /// The fresh-mask dropout passes as an ONNX model, or null where they stay in TorchSharp:
    /// consistent masks (TorchSharp multiplies only their kept units), alpha dropouts (their masks
    /// are not plain factors), layers that do not export, or <see cref="Dropout.PassesOnTorchSharp"/>.
    /// </summary>
    private OnnxPasses? ExportPasses(long[] prefixRow)
    {
        if (_mc is not { Consistent: false, PassesOnTorchSharp: false }) return null;
        var later = _plan.Dropouts.Where(d => d.Key > _plan.FirstDropout && d.Value.Rate > 0).OrderBy(d => d.Key).ToList();
        if (_plan.Dropouts.Values.Any(d => d.Kind is DropoutKind.Alpha or DropoutKind.FeatureAlpha) || _plan.FirstDropout + 1 >= _plan.Layers!.Count)
            return null;
        var first = _plan.Dropouts[_plan.FirstDropout];
        int firstUnits = (int)DropoutPlan.MaskRowShape(prefixRow, first.Kind).Aggregate(1L, (a, b) => a * b);
        var masks = later.Select(d =>
        {
            long[] maskRow = [.. DropoutPlan.MaskRowShape(RowShapeBefore(d.Key), d.Value.Kind)];
            return new PassMask(d.Key, $"mask_{d.Key}", maskRow, (int)maskRow.Aggregate(1L, (a, b) => a * b), 1 - d.Value.Rate);
        }).ToArray();
        try
        {
            byte[] model = _model.Export($"onnx-passes-{_plan.FirstDropout}-masks-{string.Join(',', masks.Select(m => m.Layer))}", () =>
                OnnxNetworkWriter.WriteTail((TorchSharp.Modules.Sequential)_model.Network, _plan.FirstDropout + 1, prefixRow,
                    masks.ToDictionary(m => m.Layer, m => (m.Name, m.MaskRow)), OnnxPassesInput, OnnxProbabilities));
            return new OnnxPasses(model, firstUnits, masks);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The per-row shape of the activations that enter child <paramref name="layer"/> of the Sequential.</summary>
    private long[] RowShapeBefore(int layer)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var z = zeros(1, _model.FeatureCount, device: _model.Device);
        for (int i = 0; i < layer; i++) z = _plan.Layers![i].call(z);
        return z.shape[1..];
    }

    /// <summary>
    /// T×N×C probabilities and, when used, N×D embeddings of the first <paramref name="n"/> rows of
    /// <paramref name="features"/>, with the ONNX Runtime part of the work done there.
    /// </summary>
    internal (float[] Probabilities, float[]? Embeddings) RunOnnx(float[] features, int n, DataViewRowId[] rows)
    {
        var part = _onnxPart!;
        var runner = _runner!.Value;
        if (part.Layers == 0)
        {
            var probabilities = new float[n * ClassCount];
            if (!_networkEmbeddings)
            {
                runner.Run(features, n, (OnnxProbabilities, probabilities, part.RowShape));
                return (probabilities, null);
            }
            if (!runner.HasOutput(OnnxEmbedding))
                throw new InvalidOperationException("The exported network has no penultimate-layer output for the strategy's embeddings.");
            var embeddings = new float[n * _networkEmbeddingSize];
            runner.Run(features, n, (OnnxProbabilities, probabilities, part.RowShape), (OnnxEmbedding, embeddings, [_networkEmbeddingSize]));
            return (probabilities, embeddings);
        }
        var activations = new float[n * part.RowShape.Aggregate(1L, (a, b) => a * b)];
        float[]? prefixEmbeddings = null;
        if (_networkEmbeddings)
        {
            prefixEmbeddings = new float[n * _networkEmbeddingSize];
            runner.Run(features, n, (OnnxPrefixOutput, activations, part.RowShape), (OnnxEmbedding, prefixEmbeddings, [_networkEmbeddingSize]));
        }
        else
        {
            runner.Run(features, n, (OnnxPrefixOutput, activations, part.RowShape));
        }
        if (_onnxPasses is not null) return (RunPassesOnOnnx(_onnxPasses, activations, part.RowShape, n, rows), prefixEmbeddings);
        using var scope = NewDisposeScope();
        return (Run(tensor(activations, [n, .. part.RowShape]), rows, layersDone: part.Layers, embeddings: false).Probabilities, prefixEmbeddings);
    }

    /// <summary>
    /// The T fresh-mask dropout passes of <paramref name="n"/> rows on ONNX Runtime, from the prefix's
    /// <paramref name="activations"/>: T·N×C probabilities ([t][n][c]).
    /// </summary>
    private float[] RunPassesOnOnnx(OnnxPasses passes, float[] activations, long[] rowShape, int n, DataViewRowId[] rows)
    {
        int t = _mc!.Iterations, seed = _mc.Seed;
        var first = _plan.Dropouts[_plan.FirstDropout];
        // T·N rows of the widest activations: pooled, as a batch's worth is tens of megabytes.
        var buffers = new List<float[]>();
        float[] Rent(int size)
        {
            var buffer = ArrayPool<float>.Shared.Rent(size);
            buffers.Add(buffer);
            return buffer;
        }
        try
        {
            var inputs = new (string Name, float[] Values, long[] RowShape)[1 + passes.Masks.Length];
            int size = checked(t * activations.Length);
            var expanded = Rent(size);
            DropoutMasks.ExpandInto(expanded.AsSpan(0, size), activations, t, seed, _plan.FirstDropout, rows, n,
                passes.FirstDropoutUnits, 1 - first.Rate, (float)(1 / (1 - first.Rate)));
            inputs[0] = (OnnxPassesInput, expanded, rowShape);
            for (int i = 0; i < passes.Masks.Length; i++)
            {
                var mask = passes.Masks[i];
                var values = Rent(t * n * mask.Units);
                DropoutMasks.FreshInto(values.AsSpan(0, t * n * mask.Units), seed, mask.Layer, 0, t, rows, n, mask.Units, mask.Keep, (float)(1 / mask.Keep));
                inputs[i + 1] = (mask.Name, values, mask.MaskRow);
            }
            var probabilities = new float[t * n * ClassCount];
            _passesRunner!.Value.Run(t * n, inputs, (OnnxProbabilities, probabilities, [ClassCount]));
            return probabilities;
        }
        finally
        {
            foreach (var buffer in buffers) ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>Records that a sparse batch went through TorchSharp's sparse first layer although ONNX Runtime scores dense ones.</summary>
    private void NoteSparseBatchOnTorch()
    {
        if (_onnxPart is not null && Interlocked.Exchange(ref _sparseBatchesOnTorch, 1) == 0)
            _model.LogOnce("TorchClassifier scoring: sparse batches go through TorchSharp's sparse first layer (it reads only their non-zeros); dense ones run on ONNX Runtime.");
    }
}
