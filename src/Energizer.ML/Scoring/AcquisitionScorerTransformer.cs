using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Scoring;

/// <summary>
/// Scores pool rows for acquisition: a fitted learner, an inference mode and a strategy. Its
/// <see cref="Transform"/> is lazy and adds the acquisition column (see
/// <see cref="AcquisitionScorerOptions"/>) to every row, computed batch by batch in the cursor.
/// </summary>
public sealed class AcquisitionScorerTransformer : ITransformer
{
    internal AcquisitionScorerTransformer(ITransformer learner, AcquisitionScorerOptions options)
    {
        Learner = learner ?? throw new ArgumentNullException(nameof(learner));
        Options = Validate(options);
        Strategy = options.Strategy!;
    }

    /// <summary>The fitted learner whose predictions are scored.</summary>
    public ITransformer Learner { get; }

    /// <summary>The options (strategy, inference mode, column names, batch size).</summary>
    public AcquisitionScorerOptions Options { get; }

    /// <summary>The acquisition strategy.</summary>
    public AcquisitionStrategy Strategy { get; }

    /// <summary>False: scores are computed for batches of rows, not one row at a time.</summary>
    public bool IsRowToRowMapper => false;

    /// <summary>Binds the inference mode to the learner for pools of <paramref name="poolSchema"/>; the caller disposes the binding.</summary>
    internal BoundInference Bind(DataViewSchema poolSchema)
    {
        var learnerSchema = LearnerSchema(poolSchema);
        if (!RunsInference) return new RowIdsOnlyInference();
        var binding = Options.Inference.Bind(Learner, learnerSchema, Options.EmbeddingColumnName, Strategy.NeedsEmbeddings);
        return ReferenceEquals(learnerSchema, poolSchema) ? binding : new LabelFillingInference(binding, Options.LabelColumnName, Options.LabelType);
    }

    /// <summary>What <see cref="Bind"/> would give, with its checks, without keeping a binding.</summary>
    private InferenceShape Describe(DataViewSchema poolSchema)
    {
        var learnerSchema = LearnerSchema(poolSchema);
        return RunsInference
            ? Options.Inference.Describe(Learner, learnerSchema, Options.EmbeddingColumnName, Strategy.NeedsEmbeddings)
            : new RowIdsOnlyInference().Shape;
    }

    /// <summary>False when the strategy reads no predictions and no column of them is asked for: scoring draws ids only.</summary>
    private bool RunsInference => Strategy.NeedsPredictions || Strategy.IsBatchAware || Options.MeanProbabilitiesColumnName is not null;

    /// <summary>The schema the learner sees: the pool's, with a missing-value label column when the pool has none.</summary>
    private DataViewSchema LearnerSchema(DataViewSchema poolSchema)
    {
        if (Options.IdColumnName is { } id)
            IdReader.Check(poolSchema.GetColumnOrNull(id) ?? throw new ArgumentException($"Id column '{id}' is not in the pool.", nameof(poolSchema)));
        return poolSchema.GetColumnOrNull(Options.LabelColumnName) is null
            ? MissingLabelView.SchemaOf(poolSchema, Options.LabelColumnName, Options.LabelType)
            : poolSchema;
    }

    /// <summary>Binds a learner to a pool without the label column: its prepared view gets one of missing values.</summary>
    private sealed class LabelFillingInference(BoundInference inner, string labelColumnName, DataViewType labelType) : BoundInference
    {
        public override int ClassCount => inner.ClassCount;

        public override int Iterations => inner.Iterations;

        public override int EmbeddingSize => inner.EmbeddingSize;

        public override IDataView Prepare(IDataView pool) => inner.Prepare(new MissingLabelView(pool, labelColumnName, labelType));

        public override InferenceReader CreateReader(DataViewRowCursor cursor) => inner.CreateReader(cursor);

        public override IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema prepared) => inner.InputColumns(prepared);

        public override void Dispose()
        {
            inner.Dispose();
            base.Dispose();
        }
    }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return ScoredColumns.Create(Options, Describe(inputSchema), inputSchema, Strategy).Schema;
    }

    /// <summary>
    /// Opens a scoring pass over <paramref name="pool"/>: the learner is bound once, for every
    /// cursor of the session's <see cref="ScoringSession.Scored"/> view, until the session is
    /// disposed. Select from it with <c>SelectTopK(session, k)</c>.
    /// </summary>
    public ScoringSession Score(IDataView pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return new ScoringSession(this, pool);
    }

    /// <summary>
    /// Returns the pool with the acquisition column added; nothing is scored until a cursor moves.
    /// The view holds a <see cref="ScoringSession"/> that nothing disposes; use <see cref="Score"/>
    /// to free the learner's binding as soon as the pass is over.
    /// </summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Score(input).Scored;
    }

    /// <summary>Not supported: a scorer is rebuilt from its learner, which is what to save.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        throw new NotSupportedException("The acquisition scorer scores rows in batches and is not a row-to-row mapper; use Transform.");

    /// <summary>Not supported: save the learner (<see cref="Learner"/>) and rebuild the scorer with the catalog.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("Save the learner (AcquisitionScorerTransformer.Learner) and rebuild the scorer with mlContext.ActiveLearning().ScoreAcquisition.");

    /// <summary>
    /// Refuses a strategy that needs several passes per row (<see cref="AcquisitionStrategy.NeedsSeveralPasses"/>)
    /// with an inference mode that gives one: BALD's score would be 0 for every row and the top k
    /// the first rows of the pool.
    /// </summary>
    internal static void CheckPasses(AcquisitionStrategy strategy, InferenceMode inference, string owner, string parameterName)
    {
        if (!strategy.NeedsSeveralPasses || inference.PassesPerRow is not 1) return;
        throw new ArgumentException(
            $"{owner}.Strategy {strategy.Name} needs several probability vectors per row (T > 1), and {owner}.Inference {inference.Name} gives one, "
            + "so every score would be the same. Use InferenceMode.McDropout(iterations: 20) with a TorchClassifier learner (its network needs dropout), "
            + "or InferenceMode.Ensemble() with an ensemble learner (mlContext.ActiveLearning().Ensemble(...)); or pick a single-pass strategy such as Entropy or Margin.",
            parameterName);
    }

    private static AcquisitionScorerOptions Validate(AcquisitionScorerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Strategy is null) throw new ArgumentException("AcquisitionScorerOptions.Strategy must be set.", nameof(options));
        if (options.Inference is null) throw new ArgumentException("AcquisitionScorerOptions.Inference must be set.", nameof(options));
        if (string.IsNullOrEmpty(options.LabelColumnName) || options.LabelType is null)
            throw new ArgumentException("AcquisitionScorerOptions.LabelColumnName and LabelType must be set.", nameof(options));
        CheckPasses(options.Strategy, options.Inference, "AcquisitionScorerOptions", nameof(options));
        if (options.BatchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "AcquisitionScorerOptions.BatchSize must be positive.");
        if (!(options.ProbabilityTolerance >= 0) || double.IsPositiveInfinity(options.ProbabilityTolerance))
            throw new ArgumentOutOfRangeException(nameof(options), options.ProbabilityTolerance, "AcquisitionScorerOptions.ProbabilityTolerance must be a finite number ≥ 0.");
        if (string.IsNullOrWhiteSpace(options.OutputColumnName))
            throw new ArgumentException("AcquisitionScorerOptions.OutputColumnName must be a column name.", nameof(options));
        if (options.IdColumnName is null && string.IsNullOrWhiteSpace(options.RowIdColumnName))
            throw new ArgumentException("AcquisitionScorerOptions.RowIdColumnName must be a column name when IdColumnName is not set.", nameof(options));
        return options;
    }
}
