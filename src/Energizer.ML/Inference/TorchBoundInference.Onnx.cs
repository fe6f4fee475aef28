using Energizer.ML.Onnx;
using Energizer.ML.Torch.OnnxExport;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Inference;

/// <summary>
/// The ONNX Runtime side of the binding (docs/design.md, "Scoring engines"): deterministic scoring
/// runs the whole exported network there; MC-Dropout runs the layers before the first dropout
/// there, once per batch, and hands their activations to the TorchSharp dropout passes, so the
/// masks are the same whichever engine ran the prefix. The export is made once per fitted model
/// (<see cref="Torch.TorchClassifierTransformer.Export{T}"/>); the session is made at the first
/// batch and freed with the binding.
/// </summary>
internal sealed partial class TorchBoundInference
{
    private const string OnnxInput = "features";
    private const string OnnxProbabilities = "probabilities";
    private const string OnnxEmbedding = "embedding";
    private const string OnnxPrefixOutput = "prefix";

    private readonly OnnxPart? _onnxPart;
    private readonly Lazy<OnnxNetworkRunner>? _runner;
    private readonly string _engine;
    private int _sparseBatchesOnTorch;

    /// <summary>What ONNX Runtime runs: the whole network (<paramref name="Layers"/> = 0) or its first <paramref name="Layers"/> children, whose output rows have <paramref name="RowShape"/>.</summary>
    private sealed record OnnxPart(byte[] Model, int Layers, long[] RowShape);

    /// <summary>The engine that scores this binding's batches, with the reason when <c>Auto</c> fell back to TorchSharp.</summary>
    internal override string Engine => Volatile.Read(ref _sparseBatchesOnTorch) == 0
        ? _engine
        : _engine + "; sparse batches: TorchSharp (through the sparse first layer)";

    /// <summary>Whether ONNX Runtime scores this binding's dense batches.</summary>
    internal bool OnOnnxRuntime => _onnxPart is not null;

    private (OnnxPart? Part, string Engine, Lazy<OnnxNetworkRunner>? Runner) ChooseEngine(InferenceEngine engine)
    {
        if (engine == InferenceEngine.TorchSharp) return (null, "TorchSharp", null);
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
                part = _model.Export($"onnx-prefix-{_plan.FirstDropout}", () =>
                {
                    var (model, row) = OnnxNetworkWriter.WritePrefix((TorchSharp.Modules.Sequential)_model.Network, _plan.FirstDropout, _model.FeatureCount, OnnxInput, OnnxPrefixOutput);
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
            // Deterministic runs are back to back, so ONNX Runtime's threads may spin between them;
            // MC-Dropout alternates with LibTorch, whose threads need the cores meanwhile.
            var runner = new Lazy<OnnxNetworkRunner>(() => new OnnxNetworkRunner(chosen.Model, OnnxInput, _model.FeatureCount, torch.get_num_threads(), spin: chosen.Layers == 0));
            string what = part.Layers == 0
                ? "OnnxRuntime"
                : $"OnnxRuntime (the {part.Layers} layer(s) before the first dropout) + TorchSharp (dropout passes)";
            return (part, what, runner);
        }
        if (engine == InferenceEngine.OnnxRuntime)
            throw new ArgumentException(
                $"InferenceEngine.OnnxRuntime cannot score this TorchClassifier: {reason}. Use InferenceEngine.Auto (which falls back to TorchSharp) or InferenceEngine.TorchSharp.",
                "learner");
        _model.LogOnce($"TorchClassifier scoring: InferenceEngine.Auto runs TorchSharp, not ONNX Runtime: {reason}.");
        return (null, $"TorchSharp (Auto: {reason})", null);
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
        runner.Run(features, n, (OnnxPrefixOutput, activations, part.RowShape));
        using var scope = NewDisposeScope();
        return Run(tensor(activations, [n, .. part.RowShape]), rows, layersDone: part.Layers);
    }

    /// <summary>Records that a sparse batch went through TorchSharp's sparse first layer although ONNX Runtime scores dense ones.</summary>
    private void NoteSparseBatchOnTorch()
    {
        if (_onnxPart is not null && Interlocked.Exchange(ref _sparseBatchesOnTorch, 1) == 0)
            _model.LogOnce("TorchClassifier scoring: sparse batches go through TorchSharp's sparse first layer (it reads only their non-zeros); dense ones run on ONNX Runtime.");
    }
}
