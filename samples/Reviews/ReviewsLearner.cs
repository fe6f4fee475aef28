using Energizer.ML;
using Energizer.ML.Loop;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms.Text;

using Energizer.ML.Samples;

namespace ReviewsSample;

/// <summary>The featurizer, the learners and the active-learning run of one strategy on one seed.</summary>
public static class ReviewsLearner
{
    /// <summary>
    /// <c>FeaturizeText</c> on the review: lower-cased word unigrams and bigrams plus character
    /// trigrams, L2-normalized; a sparse vector of some tens of thousands of slots. Unsupervised,
    /// so the loop may fit it on the whole pool (<see cref="ActiveLearningOptions.FitFeaturizerOnPool"/>).
    /// </summary>
    public static IEstimator<ITransformer> Featurizer(MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return mlContext.Transforms.Text.FeaturizeText("Features", new TextFeaturizingEstimator.Options
        {
            WordFeatureExtractor = new WordBagEstimator.Options { NgramLength = 2, UseAllLengths = true },
            CharFeatureExtractor = new WordBagEstimator.Options { NgramLength = 3, UseAllLengths = false },
            CaseMode = TextNormalizingEstimator.CaseMode.Lower,
            KeepPunctuations = false,
        }, nameof(Review.Text));
    }

    /// <summary>
    /// The learner, refitted on the labelled rows every round: the label becomes a key with both
    /// labels known up front (great is key 1, other key 2, whatever the labelled rows hold), then
    /// L-BFGS maximum entropy (one thread, so runs repeat exactly; weak L2 only: ML.NET's default
    /// L1 + L2 of 1 keeps a few hundred normalized rows at the majority class) or a TorchSharp MLP with dropout.
    /// </summary>
    public static IEstimator<ITransformer> Learner(MLContext mlContext, ReviewsSettings settings, int seed)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(settings);
        var labels = mlContext.Data.LoadFromEnumerable(ReviewsData.Labels.Select(l => new Review { Label = l }));
        var toKey = mlContext.Transforms.Conversion.MapValueToKey(nameof(Review.Label), keyData: mlContext.Transforms.SelectColumns(nameof(Review.Label)).Fit(labels).Transform(labels));
        return settings.Learner == LearnerChoice.MaxEnt
            ? toKey.Append(mlContext.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
            {
                NumberOfThreads = 1,
                L1Regularization = 0,
                L2Regularization = 0.01f,
            }))
            : toKey.Append(mlContext.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
            {
                Network = Networks.Mlp([64], 0.3),
                Epochs = settings.Epochs,
                BatchSize = 32,
                LearningRate = 1e-3,
                WeightDecay = 1e-4,
                SparseUpdate = settings.SparseUpdate,
                Seed = seed,
            }));
    }

    /// <summary>
    /// Runs active learning with one strategy on one seed: <see cref="ReviewsSettings.InitialLabelled"/>
    /// random reviews, then queries of <see cref="ReviewsSettings.QuerySize"/> until
    /// <see cref="ReviewsSettings.Budget"/> labels, evaluating every round's model on <paramref name="test"/>.
    /// </summary>
    /// <param name="checkpointDirectory">Where to save the state after every label (null: none); a later run with the same directory continues.</param>
    public static ActiveLearningResult Run(MLContext mlContext, IDataView pool, IDataView test, StrategyChoice strategy, int seed,
        ReviewsSettings settings, IOracle oracle, string? checkpointDirectory, IProgress<RoundReport>? progress)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(settings);
        var options = new ActiveLearningOptions
        {
            Strategy = strategy.Create(seed),
            Inference = strategy.Inference(settings.McDropoutIterations, seed),
            QuerySize = settings.QuerySize,
            Budget = settings.Budget,
            InitialLabelledCount = settings.InitialLabelled,
            Featurizer = Featurizer(mlContext),
            FitFeaturizerOnPool = settings.FeaturizeOnPool,
            ValidLabels = ReviewsData.Labels.ToList(),
            Seed = seed,
            CheckpointDirectory = checkpointDirectory,
        };
        return mlContext.ActiveLearning().Trainer(options).Fit(Learner(mlContext, settings, seed), pool, oracle, test, progress);
    }
}
