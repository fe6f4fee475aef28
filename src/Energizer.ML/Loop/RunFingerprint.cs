using System.Globalization;
using Energizer.ML.Torch;
using Microsoft.ML;

namespace Energizer.ML.Loop;

/// <summary>
/// What identifies an active-learning run for its checkpoint: every setting that changes which
/// rows are selected (strategy and inference mode with all their parameters, the initial set,
/// seed, validation split, candidates, columns) and the pool itself (rows, schema, a hash of its
/// row ids and of a sample of its content). <c>QuerySize</c>, <c>Budget</c> and <c>MaxRounds</c>
/// are left out: a run may go on with more labels or rounds. The learner's settings are left out
/// too (a learner is any ML.NET estimator, whose settings cannot be read in general, and a
/// resume with more epochs is legitimate); they are described by <see cref="Learner"/> and a
/// change is logged (docs/design.md, "The loop and its checkpoints").
/// </summary>
internal static class RunFingerprint
{
    public static Dictionary<string, string> Of(ActiveLearningOptions options, IDataView pool, long poolRows)
    {
        var c = CultureInfo.InvariantCulture;
        var (rowIds, content) = PoolHash.Of(pool, options.IdColumnName, poolRows);
        var parts = new Dictionary<string, string>
        {
            ["strategy"] = options.Strategy.ForRun(options.Seed).Fingerprint,
            ["inference"] = options.Inference.Fingerprint,
            ["initial"] = options.InitialRowIds is { } ids
                ? $"rows {string.Join(",", ids.Select(i => i.ToString(c)))}"
                : $"{options.InitialLabelledCount.ToString(c)} drawn" + (options.StratifyColumnName is { } stratify ? $" by '{stratify}'" : ""),
            ["seed"] = options.Seed.ToString(c),
            ["validation"] = options.ValidationFraction.ToString("R", c),
            ["candidates"] = options.CandidateCount?.ToString(c) ?? "10·k",
            ["embedding column"] = options.EmbeddingColumnName ?? "(the network's)",
            ["label column"] = options.LabelColumnName,
            ["id column"] = options.IdColumnName ?? "(row position)",
            ["featurizer"] = options.Featurizer is null ? "none" : options.FitFeaturizerOnPool ? "fitted on the pool" : "fitted on the labelled rows",
            ["pool rows"] = poolRows.ToString(c),
            ["pool columns"] = string.Join(",", pool.Schema.Where(col => !col.IsHidden).Select(col => $"{col.Name}:{col.Type}")),
            ["pool row ids"] = rowIds,
            ["pool content"] = content,
        };
        // Added only when set, so checkpoints written before these options existed still resume.
        if (options.InitialStrategy is { } initial) parts["initial strategy"] = initial.ForRun(options.Seed).Fingerprint;
        if (options.StrategySchedule.Count > 0)
            parts["strategy schedule"] = string.Join("; ", options.StrategySchedule.Select(p => $"from {p.FromLabelledCount.ToString(c)} labels: {p.Strategy.ForRun(options.Seed).Fingerprint}"));
        return parts;
    }

    /// <summary>The parts that differ, as "name=checkpoint's in the checkpoint, name=this run's in this run"; empty when none.</summary>
    public static string Differences(IReadOnlyDictionary<string, string> saved, IReadOnlyDictionary<string, string> current) =>
        string.Join("; ", current.Keys.Concat(saved.Keys.Where(k => !current.ContainsKey(k)))
            .Where(key => saved.GetValueOrDefault(key) != current.GetValueOrDefault(key))
            .Select(key => $"{key}={saved.GetValueOrDefault(key, "(none)")} in the checkpoint, {key}={current.GetValueOrDefault(key, "(none)")} in this run"));

    /// <summary>
    /// The learner's settings as far as they can be read: a TorchClassifier's options (with the
    /// epochs each round runs), otherwise the estimator's type; and whether weights are reset.
    /// </summary>
    public static string Learner(IEstimator<ITransformer> learner, ActiveLearningOptions options)
    {
        string estimator = learner is TorchClassifierTrainer { Options: var o }
            ? FormattableString.Invariant(
                $"TorchClassifier(Epochs={options.EpochsPerRound ?? o.Epochs}, MinimumSteps={o.MinimumSteps}, BatchSize={o.BatchSize}, LearningRate={o.LearningRate:R}, Optimizer={o.Optimizer}, ")
              + FormattableString.Invariant(
                $"AdamBeta1={o.AdamBeta1:R}, AdamBeta2={o.AdamBeta2:R}, Momentum={o.Momentum:R}, WeightDecay={o.WeightDecay:R}, SparseUpdate={o.SparseUpdate}, Seed={o.Seed}, Shuffle={o.Shuffle}, ")
              + FormattableString.Invariant($"EarlyStoppingPatience={o.EarlyStoppingPatience}, ClassWeights={(o.ClassWeights is { } w ? string.Join(",", w.Select(x => x.ToString("R", CultureInfo.InvariantCulture))) : "none")})")
            : learner.GetType().Name;
        return FormattableString.Invariant($"{estimator}; ResetWeights={options.ResetWeights}");
    }
}
