using Energizer.ML;
using Energizer.ML.Loop;
using Energizer.ML.Samples;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace DigitsSample;

/// <summary>Training: the learner pipeline and the active-learning run of one strategy.</summary>
public static partial class Digits
{
    /// <summary>
    /// The learner, refitted on the labelled rows every round: the digit becomes a key with all
    /// ten digits known up front (digit d is key d + 1, whatever the labelled rows hold), then a
    /// TorchSharp MLP (64 → 128 → 10, dropout 0.3) is trained. Every strategy uses this same learner
    /// so that the curves compare strategies, not models.
    /// </summary>
    public static IEstimator<ITransformer> BuildPipeline(MLContext mlContext, DigitsSettings settings)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(settings);
        var digitRows = mlContext.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(d => new ModelInput { Features = new float[64], Label = d }));
        var allDigits = mlContext.Transforms.SelectColumns("Label").Fit(digitRows).Transform(digitRows);
        var options = new TorchClassifierOptions
        {
            Network = Networks.Mlp([128], 0.3),
            Epochs = settings.Epochs,
            BatchSize = 32,
            LearningRate = 3e-3,
            Seed = settings.Seed,
        };
        if (settings.MinimumSteps is { } steps) options.MinimumSteps = steps;
        return mlContext.Transforms.Conversion.MapValueToKey("Label", keyData: allDigits)
            .Append(mlContext.MulticlassClassification.Trainers.TorchClassifier(options));
    }

    /// <summary>
    /// Runs active learning with one strategy: <see cref="DigitsSettings.InitialLabelled"/> random
    /// rows, then <see cref="DigitsSettings.Rounds"/> queries of <see cref="DigitsSettings.QuerySize"/>
    /// rows, evaluating every round's model on <paramref name="test"/>.
    /// </summary>
    /// <param name="checkpointDirectory">Where to save the state after every label (null: none); a later run with the same directory continues.</param>
    public static ActiveLearningResult RunActiveLearning(MLContext mlContext, IDataView pool, IDataView test, StrategyChoice strategy,
        DigitsSettings settings, IOracle oracle, string? checkpointDirectory, IProgress<RoundReport>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(settings);
        var options = new ActiveLearningOptions
        {
            Strategy = strategy.Create(settings.Seed),
            Inference = strategy.Inference(settings.McDropoutIterations, settings.Seed),
            QuerySize = settings.QuerySize,
            MaxRounds = settings.Rounds,
            InitialLabelledCount = settings.InitialLabelled,
            InitialStrategy = StrategyChoice.ColdStart(settings.InitialStrategy, settings.Seed, classes: 10, settings.ProbCoverPurity),
            Seed = settings.Seed,
            EmbeddingColumnName = settings.EmbeddingColumnName,
            CheckpointDirectory = checkpointDirectory,
        };
        return mlContext.ActiveLearning().Trainer(options)
            .Fit(BuildPipeline(mlContext, settings), pool, oracle, test, progress, cancellationToken);
    }

    /// <summary>Saves the network of a model built by <see cref="BuildPipeline"/> for <see cref="Predict"/> (written to a temporary file, then moved).</summary>
    public static void SaveModel(ITransformer model, string path)
    {
        var network = model as TransformerChain<TorchClassifierTransformer>
            ?? throw new ArgumentException($"Expected the model of {nameof(BuildPipeline)}, got {model.GetType().Name}.", nameof(model));
        string temporary = path + ".tmp";
        using (var stream = File.Create(temporary)) network.LastTransformer.Save(stream);
        File.Move(temporary, path, overwrite: true);
    }
}
