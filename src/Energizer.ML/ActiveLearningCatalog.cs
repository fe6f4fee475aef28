using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Loop;
using Energizer.ML.Scoring;
using Microsoft.ML;

namespace Energizer.ML;

/// <summary>
/// Active learning in ML.NET: <c>mlContext.ActiveLearning()</c> gives the pool scorer, streaming
/// top-k selection and the active-learning trainer.
/// </summary>
public sealed class ActiveLearningCatalog
{
    internal ActiveLearningCatalog(MLContext context) => Context = context;

    /// <summary>The context this catalog was made from (seeds and logging).</summary>
    public MLContext Context { get; }

    /// <summary>
    /// A scorer estimator: adds an <c>Acquisition</c> column (higher = more worth labelling) to
    /// every pool row, computed lazily batch by batch from <paramref name="learner"/>'s predictions.
    /// </summary>
    /// <param name="learner">A fitted learner (any ML.NET chain ending in a classifier, or a TorchClassifier).</param>
    /// <param name="strategy">The acquisition strategy.</param>
    /// <param name="inference">How the learner behaves on the pool; default <see cref="InferenceMode.Deterministic"/>.</param>
    /// <param name="outputColumnName">The score column's name.</param>
    /// <param name="batchSize">Rows scored together.</param>
    public AcquisitionScorerEstimator ScoreAcquisition(
        ITransformer learner, AcquisitionStrategy strategy, InferenceMode? inference = null,
        string outputColumnName = "Acquisition", int batchSize = 256) =>
        ScoreAcquisition(learner, new AcquisitionScorerOptions
        {
            Strategy = strategy,
            Inference = inference ?? InferenceMode.Deterministic,
            OutputColumnName = outputColumnName,
            BatchSize = batchSize,
        });

    /// <summary>A scorer estimator with every option spelled out.</summary>
    public AcquisitionScorerEstimator ScoreAcquisition(ITransformer learner, AcquisitionScorerOptions options)
    {
        ArgumentNullException.ThrowIfNull(learner);
        ArgumentNullException.ThrowIfNull(options);
        return new AcquisitionScorerEstimator(Context, learner, options);
    }

    /// <summary>
    /// Streams <paramref name="scored"/> once and keeps the best <paramref name="k"/> unlabelled
    /// rows (O(k) memory; ties to the lower row id). See <see cref="TopKSelector"/>.
    /// </summary>
    public Selection SelectTopK(IDataView scored, int k, SelectionOptions? options = null) => TopKSelector.Select(scored, k, options);

    /// <summary>
    /// Selects the best <paramref name="k"/> unlabelled rows of a scoring pass
    /// (<see cref="AcquisitionScorerTransformer.Score"/>), with its strategy: a batch-aware one
    /// picks jointly. See <see cref="TopKSelector"/>.
    /// </summary>
    public Selection SelectTopK(ScoringSession session, int k, SelectionOptions? options = null) => TopKSelector.Select(session, k, options);

    /// <summary>
    /// A committee of <paramref name="members"/> learners for <see cref="InferenceMode.Ensemble"/>:
    /// <paramref name="member"/> builds member k (give TorchClassifiers different seeds for a deep
    /// ensemble); with <paramref name="bootstrap"/> each member is fitted on a resample of the data.
    /// </summary>
    public EnsembleEstimator Ensemble(Func<int, IEstimator<ITransformer>> member, int members = 5, bool bootstrap = true, int seed = 0) =>
        new(Context, member, members, bootstrap, seed);

    /// <summary>The active-learning loop: fit, score, select, label, over rounds.</summary>
    public ActiveLearningTrainer Trainer(ActiveLearningOptions options) => new(Context, options);

    /// <summary>
    /// The active-learning loop as an ML.NET estimator: <c>Fit(pool)</c> runs it with
    /// <paramref name="learner"/> and <paramref name="oracle"/>, and returns a transformer that
    /// scores like the final model, so it appends to a pipeline like any trainer.
    /// </summary>
    /// <param name="options">The loop's options.</param>
    /// <param name="learner">The learner to fit each round.</param>
    /// <param name="oracle">Gives labels.</param>
    /// <param name="evaluation">Labelled rows to evaluate each round's model on, with the columns the trainer sees (after the pipeline's earlier steps).</param>
    public ActiveLearningTrainer Trainer(ActiveLearningOptions options, IEstimator<ITransformer> learner, IOracle oracle, IDataView? evaluation = null) =>
        new(Context, options, learner, oracle, evaluation);
}
