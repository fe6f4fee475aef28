using Microsoft.ML;

namespace Energizer.ML.Inference;

/// <summary>
/// How a fitted learner behaves on the pool: it turns rows into T×N×C class probabilities
/// (T = 1 for a deterministic learner, the number of stochastic passes for MC-Dropout, the
/// number of members for an ensemble).
/// </summary>
public abstract class InferenceMode
{
    /// <summary>The learner's own <c>Score</c> column: works for any ML.NET multiclass model, and
    /// for calibrated binary models (their <c>Probability</c> becomes two classes).</summary>
    public static InferenceMode Deterministic { get; } = new DeterministicInference(InferenceEngine.Auto);

    /// <summary>
    /// MC-Dropout for TorchClassifier learners: <paramref name="iterations"/> stochastic passes
    /// with every dropout layer active and the rest of the network in eval mode.
    /// </summary>
    /// <param name="iterations">T, the passes per row.</param>
    /// <param name="consistent">Draw the T masks once and reuse them for every row (faster: each pass
    /// multiplies only the kept units). Otherwise each row gets its own masks, drawn from
    /// (<paramref name="seed"/>, the row's id, pass, layer), so they do not depend on the batch size
    /// or partitioning. Either way scoring the pool twice gives identical results, and nothing is
    /// drawn from torch's process-wide generator.</param>
    /// <param name="probability">Overrides every dropout layer's rate, in [0, 1); null keeps the trained rates.</param>
    /// <param name="inplace">False: work on a copy of the network, leaving the trained one untouched
    /// even while a network whose dropouts are not a Sequential's own children carries the
    /// temporary forward hooks that apply the masks.</param>
    /// <param name="seed">Seed of the masks.</param>
    /// <param name="engine">What runs the network's layers before the first dropout (<see cref="InferenceEngine"/>);
    /// the dropout passes run in TorchSharp with the masks above whichever engine it is.</param>
    public static InferenceMode McDropout(int iterations = 10, bool consistent = false, double? probability = null, bool inplace = true, int seed = 0,
        InferenceEngine engine = InferenceEngine.Auto) =>
        new McDropoutInference(iterations, consistent, probability, inplace, seed, engine);

    /// <summary>
    /// Query-by-committee: each member of an ensemble learner (from
    /// <c>mlContext.ActiveLearning().Ensemble(...)</c>: deep ensembles of TorchClassifiers with
    /// different seeds, or bootstrap committees of any ML.NET trainer) gives one probability
    /// vector per row, so T = K members.
    /// </summary>
    public static InferenceMode Ensemble() => EnsembleMode;

    private static readonly InferenceMode EnsembleMode = new EnsembleInference();

    /// <summary>What runs a TorchClassifier learner's network (default <see cref="InferenceEngine.Auto"/>); other learners ignore it.</summary>
    public virtual InferenceEngine Engine => InferenceEngine.Auto;

    /// <summary>
    /// This mode with <paramref name="engine"/> running a TorchClassifier learner's network, e.g.
    /// <c>InferenceMode.Deterministic.WithEngine(InferenceEngine.TorchSharp)</c>. The engine is part
    /// of <see cref="Fingerprint"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">The mode has no engine choice (<see cref="Ensemble"/>: its members score themselves).</exception>
    public virtual InferenceMode WithEngine(InferenceEngine engine) =>
        throw new NotSupportedException($"{Name} has no engine choice: each member scores through its own transformer.");

    /// <summary>A short description for reports, e.g. "MC-Dropout(T=10)".</summary>
    public abstract string Name { get; }

    /// <summary>
    /// T, the probability vectors this mode gives per row, when known before binding to a learner:
    /// 1 for <see cref="Deterministic"/>, the iterations for <see cref="McDropout"/>; null for
    /// <see cref="Ensemble"/>, whose T is the ensemble's member count (the default: unknown).
    /// </summary>
    public virtual int? PassesPerRow => null;

    /// <summary>
    /// Every parameter that changes this mode's probabilities, as canonical text: a checkpoint is
    /// resumed only by a run whose inference mode has its fingerprint. The default is <see cref="Name"/>.
    /// </summary>
    public virtual string Fingerprint => Name;

    /// <summary>
    /// Binds this mode to a fitted learner for pools of <paramref name="poolSchema"/>; throws a
    /// clear error when the learner does not fit this mode (saying what to use instead).
    /// </summary>
    /// <param name="learner">The fitted learner (any chain ending in a classifier).</param>
    /// <param name="poolSchema">The schema of the pool that will be scored.</param>
    /// <param name="embeddingColumnName">A pool column (known-size vector of Single) to use as row
    /// embeddings for diversity strategies; null when the learner should provide them, if it can.</param>
    /// <param name="needEmbeddings">Whether the strategy needs embeddings.</param>
    public abstract BoundInference Bind(ITransformer learner, DataViewSchema poolSchema, string? embeddingColumnName, bool needEmbeddings);

    /// <summary>
    /// The sizes <see cref="Bind"/> would give, with its argument checks, for schema checks that
    /// score nothing. This default binds and disposes at once; a mode whose binding is costly
    /// (a network copy) overrides it to check without binding.
    /// </summary>
    internal virtual InferenceShape Describe(ITransformer learner, DataViewSchema poolSchema, string? embeddingColumnName, bool needEmbeddings)
    {
        using var binding = Bind(learner, poolSchema, embeddingColumnName, needEmbeddings);
        return binding.Shape;
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
