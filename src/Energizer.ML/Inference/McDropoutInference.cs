using Microsoft.ML;

namespace Energizer.ML.Inference;

/// <summary>
/// MC-Dropout (Gal and Ghahramani, 2016) for TorchClassifier learners: T stochastic passes with
/// dropout active and everything else in eval mode.
/// </summary>
internal sealed class McDropoutInference : InferenceMode
{
    public McDropoutInference(int iterations, bool consistent, double? probability, bool inplace, int seed, InferenceEngine engine)
    {
        if (!Enum.IsDefined(engine)) throw new ArgumentOutOfRangeException(nameof(engine), engine, "Unknown inference engine.");
        if (iterations < 1) throw new ArgumentOutOfRangeException(nameof(iterations), iterations, "MC-Dropout needs at least 1 iteration.");
        if (probability is { } p && !(p >= 0 && p < 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "The dropout probability override must be in [0, 1).");
        Iterations = iterations;
        Consistent = consistent;
        Probability = probability;
        Inplace = inplace;
        Seed = seed;
        Engine = engine;
    }

    public int Iterations { get; }

    public bool Consistent { get; }

    public double? Probability { get; }

    public bool Inplace { get; }

    public int Seed { get; }

    /// <inheritdoc />
    public override InferenceEngine Engine { get; }

    /// <summary>
    /// Keeps the fresh-mask dropout passes in TorchSharp when ONNX Runtime runs the layers before the
    /// first dropout: the path the default replaced, kept for the benchmark's comparison and the
    /// equality tests (docs/design.md, "Scoring engines"). Same masks, so same scores.
    /// </summary>
    internal bool PassesOnTorchSharp { get; init; }

    /// <inheritdoc />
    public override InferenceMode WithEngine(InferenceEngine engine) =>
        new McDropoutInference(Iterations, Consistent, Probability, Inplace, Seed, engine) { PassesOnTorchSharp = PassesOnTorchSharp };

    public override string Name =>
        $"MC-Dropout(T={Iterations}{(Consistent ? ", consistent" : "")}{(Probability is { } p ? $", p={p}" : "")}{(Engine == InferenceEngine.Auto ? "" : $", {Engine}")})";

    /// <inheritdoc />
    public override int? PassesPerRow => Iterations;

    public override string Fingerprint => FormattableString.Invariant(
        $"MC-Dropout(T={Iterations}, consistent={Consistent}, p={(Probability is { } p ? p.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "network's")}, inplace={Inplace}, seed={Seed}, engine={Engine})");

    public override BoundInference Bind(ITransformer learner, DataViewSchema poolSchema, string? embeddingColumnName, bool needEmbeddings)
    {
        ArgumentNullException.ThrowIfNull(learner);
        if (LearnerChains.FindLast<Onnx.OnnxClassifier>(learner) is { } onnx)
        {
            if (!Consistent && Probability is null)
                return new OnnxBoundInference(onnx.Prefix, onnx.Model, poolSchema, embeddingColumnName, needEmbeddings, Iterations);
            if (!onnx.Model.CanVaryDropout)
                throw new ArgumentException(
                    "MC-Dropout on an ONNX file draws fresh masks at the rates in the file: consistent masks and a rate override need an OnnxClassifier made with "
                    + "OnnxClassifier.FromTorch (which re-exports the network) or the TorchClassifier itself.", nameof(learner));
            // The same masks as the TorchClassifier's consistent MC-Dropout: seeded by (seed, layer).
            var consistent = Consistent
                ? new Torch.OnnxExport.OnnxNetworkWriter.ConsistentDropout(Iterations, (layer, row, rate) =>
                {
                    using var masks = DropoutMasks.Consistent(Seed, layer, Iterations, row, rate, TorchSharp.torch.CPU);
                    return masks.data<float>().ToArray();
                })
                : null;
            var variant = onnx.Model.McDropoutVariant(Probability, consistent, $"p={Probability}; consistent={Consistent}; T={Iterations}; seed={Seed}");
            return new OnnxBoundInference(onnx.Prefix, onnx.Model, poolSchema, embeddingColumnName, needEmbeddings, Iterations, variant);
        }
        var found = LearnerChains.Find(learner)
            ?? throw new ArgumentException(
                $"MC-Dropout needs a learner that ends with a TorchClassifier, but this one ends with {LearnerChains.LastName(learner)}. "
                + "Use InferenceMode.Deterministic, or InferenceMode.Ensemble for a committee of any ML.NET trainer.", nameof(learner));
        return new TorchBoundInference(found.Prefix, found.Model, poolSchema, embeddingColumnName, needEmbeddings,
            new TorchBoundInference.Dropout(Iterations, Consistent, Probability, Inplace, Seed, PassesOnTorchSharp), Engine);
    }
}
