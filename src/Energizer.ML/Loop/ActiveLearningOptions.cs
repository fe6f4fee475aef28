using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Loop;

/// <summary>Options of the <see cref="ActiveLearningTrainer"/>.</summary>
public sealed class ActiveLearningOptions
{
    /// <summary>The acquisition strategy (until the first <see cref="StrategySchedule"/> phase). Default Entropy.</summary>
    public AcquisitionStrategy Strategy { get; set; } = AcquisitionStrategy.Entropy;

    /// <summary>
    /// Switches strategies by labelled count: a query made with n labelled rows uses the last phase
    /// whose <see cref="StrategyPhase.FromLabelledCount"/> is at most n, and <see cref="Strategy"/>
    /// before the first. For example <c>Strategy = TypiClust()</c> with the phase (100, BALD):
    /// typical rows for the first 100 labels, BALD after (the <see cref="Inference"/> mode serves
    /// every phase, so it must give the passes BALD needs). Phases are ordered by increasing counts.
    /// Empty (the default): <see cref="Strategy"/> throughout.
    /// </summary>
    public IList<StrategyPhase> StrategySchedule { get; } = [];

    /// <summary>
    /// Cold start: the strategy that chooses the initial labelled set (and the first query when
    /// <see cref="InitialLabelledCount"/> is 0) before any model exists, instead of a random draw:
    /// <see cref="AcquisitionStrategy.TypiClust"/>, <see cref="AcquisitionStrategy.ProbCover"/> or
    /// <see cref="AcquisitionStrategy.CoreSet"/>, on the embedding column
    /// (<see cref="EmbeddingColumnName"/>, else the TorchClassifier learner's feature column, else
    /// "Features"), read after the <see cref="Featurizer"/> when it is fitted on the pool. The rows'
    /// probabilities are uniform over the label's key values (one class when the label is no key,
    /// so ProbCover then needs its cluster count or δ). Null (the default): a seeded random draw.
    /// </summary>
    public AcquisitionStrategy? InitialStrategy { get; set; }

    /// <summary>How the learner behaves on the pool. Default deterministic.</summary>
    public InferenceMode Inference { get; set; } = InferenceMode.Deterministic;

    /// <summary>Rows labelled per round. Default 10. The last query is cut to the budget left.</summary>
    public int QuerySize { get; set; } = 10;

    /// <summary>Total labels, the initial set included; null for no limit (then set <see cref="MaxRounds"/>, or the pool is the limit).</summary>
    public int? Budget { get; set; }

    /// <summary>Queries to make at most; null for no limit. After the last query one more fit is made.</summary>
    public int? MaxRounds { get; set; }

    /// <summary>Initial labelled rows drawn at random (or stratified); 0 for a cold start whose first query is random. Default 10.</summary>
    public int InitialLabelledCount { get; set; } = 10;

    /// <summary>Draw the initial rows stratified by this pool column (the learner never sees it); null for a plain random draw.</summary>
    public string? StratifyColumnName { get; set; }

    /// <summary>Explicit initial labelled row ids; overrides <see cref="InitialLabelledCount"/>.</summary>
    public IReadOnlyList<long>? InitialRowIds { get; set; }

    /// <summary>The label column the learner trains on. Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The label type when the pool has no label column (a person labels). Default text.</summary>
    public DataViewType LabelType { get; set; } = TextDataViewType.Instance;

    /// <summary>A pool column (integer) identifying rows; null for positions in the pool.</summary>
    public string? IdColumnName { get; set; }

    /// <summary>
    /// Fraction of the labelled rows held out (stratified by label, seeded) for validation metrics
    /// and <see cref="StoppingCriterion.MetricPlateau"/>; 0 trains on all labelled rows. Default 0.
    /// </summary>
    public double ValidationFraction { get; set; }

    /// <summary>
    /// True (the default): every round trains from the same seeded initial weights, as
    /// pytorch-energizer's reset_weights. False: a TorchClassifier learner warm-starts from the
    /// previous round's weights (saved in the checkpoint directory, so a resumed run continues them).
    /// </summary>
    public bool ResetWeights { get; set; } = true;

    /// <summary>
    /// Unsupervised featurizers (e.g. <c>FeaturizeText</c>, <c>NormalizeMinMax</c>) kept apart from
    /// the learner, so that <see cref="FitFeaturizerOnPool"/> can choose the rows they are fitted on.
    /// The learner then starts from the featurizer's output, and the loop's models are the fitted
    /// featurizer followed by the fitted learner. Null (the default): no separate featurizer;
    /// featurizers inside the learner chain are refitted on the labelled rows every round.
    /// </summary>
    public IEstimator<ITransformer>? Featurizer { get; set; }

    /// <summary>
    /// Where <see cref="Featurizer"/> is fitted. False (the default, inductive): on the labelled
    /// rows, again every round, like featurizers inside the learner. True (transductive): once, on
    /// every pool row, with the label column hidden, so no label is read.
    /// </summary>
    /// <remarks>
    /// Fitting on the pool is legitimate (no label is used) and usually much better with few
    /// labels: a text featurizer fitted on 20 labelled reviews knows only their words, so words
    /// that appear only in unlabelled rows map to nothing and can neither be learnt nor make a
    /// row look uncertain; fitted on the pool, the vocabulary and normalization statistics cover
    /// every row that will be scored, and it is fitted once instead of every round. The price:
    /// the featurizer depends on the pool, so a model applied to rows from elsewhere sees them
    /// through the pool's vocabulary and statistics, and test rows must not be in the pool for an
    /// honest evaluation (they never are in this loop). It also cannot use a featurizer that
    /// needs labels (those belong in the learner).
    /// </remarks>
    public bool FitFeaturizerOnPool { get; set; }

    /// <summary>
    /// Epochs of each round's fit for a TorchClassifier learner; null keeps its options' Epochs.
    /// It replaces <c>TorchClassifierOptions.Epochs</c> only: the learner's
    /// <c>MinimumSteps</c> still raises the epochs of the early rounds, whose few labelled rows
    /// make few steps per epoch, so every round trains at least that many steps.
    /// </summary>
    public int? EpochsPerRound { get; set; }

    /// <summary>Criteria that end the loop early.</summary>
    public IList<StoppingCriterion> StoppingCriteria { get; } = [];

    /// <summary>Seed of every random choice of the loop (initial set, validation split, stop set). Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>
    /// Where the loop's state is saved after each round and each label; Fit with the same
    /// directory resumes from it. Null: no checkpoints.
    /// </summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Rows scored together. Default 256.</summary>
    public int ScoringBatchSize { get; set; } = 256;

    /// <summary>Threads scoring the pool (cursor partitions). Default 1.</summary>
    public int ScoringPartitions { get; set; } = 1;

    /// <summary>Candidates a batch-aware strategy picks from (null: 10 × query size).</summary>
    public int? CandidateCount { get; set; }

    /// <summary>A pool column of embeddings for diversity strategies (null: the learner's, if any).</summary>
    public string? EmbeddingColumnName { get; set; }

    /// <summary>
    /// Scores the pool and selects each round's rows; null (the default) scores on this machine
    /// (<see cref="Scoring.InProcessPoolScorer"/>). Energizer.ML.Orleans's scorer spreads the pool's
    /// shards over a cluster and returns the same selections.
    /// </summary>
    public Scoring.IPoolScorer? PoolScorer { get; set; }

    /// <summary>Valid labels; oracle answers outside it are rejected. Null: any label of the right type.</summary>
    public IReadOnlyCollection<string>? ValidLabels { get; set; }

    /// <summary>The strategy of a query made with <paramref name="labelledCount"/> labelled rows (<see cref="StrategySchedule"/>).</summary>
    internal AcquisitionStrategy StrategyAt(int labelledCount) =>
        StrategySchedule.LastOrDefault(p => p.FromLabelledCount <= labelledCount)?.Strategy ?? Strategy;

    /// <summary>Throws, naming the option, when these options cannot make a run (as the trainer's <c>options</c> argument).</summary>
    internal void Validate()
    {
        const string ParameterName = "options";
        if (Strategy is null) throw new ArgumentException("ActiveLearningOptions.Strategy must be set.", ParameterName);
        if (Inference is null) throw new ArgumentException("ActiveLearningOptions.Inference must be set.", ParameterName);
        Scoring.AcquisitionScorerTransformer.CheckPasses(Strategy, Inference, "ActiveLearningOptions", ParameterName);
        int previous = 0;
        foreach (var phase in StrategySchedule)
        {
            if (phase?.Strategy is null) throw new ArgumentException("ActiveLearningOptions.StrategySchedule holds a phase without a strategy.", ParameterName);
            if (phase.FromLabelledCount <= previous)
                throw new ArgumentOutOfRangeException(ParameterName, phase.FromLabelledCount,
                    $"ActiveLearningOptions.StrategySchedule: phase {phase.Strategy.Name} starts at {phase.FromLabelledCount} labels; phases must start at increasing counts of at least 1.");
            Scoring.AcquisitionScorerTransformer.CheckPasses(phase.Strategy, Inference, "ActiveLearningOptions", ParameterName);
            previous = phase.FromLabelledCount;
        }
        if (InitialStrategy is { NeedsEmbeddings: false } coldStart)
            throw new ArgumentException(
                $"ActiveLearningOptions.InitialStrategy {coldStart.Name} scores predictions, but no model exists before the first labels: use a strategy that "
                + "chooses rows from embeddings alone (TypiClust, ProbCover, CoreSet).", ParameterName);
        if (QuerySize <= 0)
            throw new ArgumentOutOfRangeException(ParameterName, QuerySize, "ActiveLearningOptions.QuerySize must be at least 1.");
        if (InitialLabelledCount < 0)
            throw new ArgumentOutOfRangeException(ParameterName, InitialLabelledCount, "ActiveLearningOptions.InitialLabelledCount must not be negative.");
        int initial = InitialRowIds?.Count ?? InitialLabelledCount;
        if (Budget is { } budget && budget < initial)
            throw new ArgumentOutOfRangeException(ParameterName, budget,
                $"ActiveLearningOptions.Budget ({budget}) is smaller than the initial labelled set ({initial}).");
        if (MaxRounds is < 0)
            throw new ArgumentOutOfRangeException(ParameterName, MaxRounds, "ActiveLearningOptions.MaxRounds must not be negative.");
        if (ValidationFraction is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(ParameterName, ValidationFraction, "ActiveLearningOptions.ValidationFraction must be in [0, 1).");
        if (EpochsPerRound is <= 0)
            throw new ArgumentOutOfRangeException(ParameterName, EpochsPerRound, "ActiveLearningOptions.EpochsPerRound must be at least 1.");
        if (FitFeaturizerOnPool && Featurizer is null)
            throw new ArgumentException("ActiveLearningOptions.FitFeaturizerOnPool needs ActiveLearningOptions.Featurizer: the featurizer to fit on the pool.", ParameterName);
        if (StoppingCriteria.Any(c => c.NeedsValidation) && ValidationFraction == 0)
            throw new ArgumentException(
                $"Stopping criterion {StoppingCriteria.First(c => c.NeedsValidation).Name} needs validation rows: set ActiveLearningOptions.ValidationFraction above 0.",
                ParameterName);
    }
}
