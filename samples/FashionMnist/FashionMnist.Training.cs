using Energizer.ML;
using Energizer.ML.Loop;
using Energizer.ML.Samples;
using Energizer.ML.Torch;
using Microsoft.ML;

namespace FashionMnistSample;

/// <summary>Training: the ConvNet learner and the active-learning run of one strategy.</summary>
public static partial class FashionMnist
{
    /// <summary>A TorchSharp ConvNet (two conv blocks, dense layers with dropout 0.5) on the 28×28 images.</summary>
    public static TorchClassifierTrainer BuildLearner(MLContext mlContext, FashionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(settings);
        var options = new TorchClassifierOptions
        {
            Network = Networks.ConvNet(1, 28, 28, 0.5),
            Epochs = settings.Epochs,
            BatchSize = 16,
            LearningRate = 1e-3,
            Seed = settings.Seed,
        };
        if (settings.MinimumSteps is { } steps) options.MinimumSteps = steps;
        return mlContext.MulticlassClassification.Trainers.TorchClassifier(options);
    }

    /// <summary>
    /// Runs active learning with one strategy: <see cref="FashionSettings.InitialLabelled"/> random
    /// images, then <see cref="FashionSettings.Rounds"/> queries, evaluating each round on <paramref name="test"/>.
    /// </summary>
    /// <param name="oracle">Who labels: the pool's Label column when null, a person with <c>--web</c>.</param>
    /// <param name="checkpointDirectory">Where to save the state after every label (null: none); a later run with the same directory continues.</param>
    public static ActiveLearningResult RunActiveLearning(MLContext mlContext, IDataView pool, IDataView test, StrategyChoice strategy,
        FashionSettings settings, IProgress<RoundReport>? progress, IOracle? oracle = null, string? checkpointDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(settings);
        var options = new ActiveLearningOptions
        {
            Strategy = strategy.Create(settings.Seed),
            Inference = strategy.Inference(settings.McDropoutIterations, settings.Seed).WithEngine(settings.Engine),
            QuerySize = settings.QuerySize,
            MaxRounds = settings.Rounds,
            InitialLabelledCount = settings.InitialLabelled,
            InitialStrategy = StrategyChoice.ColdStart(settings.InitialStrategy, settings.Seed, classes: 10, settings.ProbCoverPurity),
            Seed = settings.Seed,
            ScoringBatchSize = 512,
            EmbeddingColumnName = settings.EmbeddingColumnName,
            CheckpointDirectory = checkpointDirectory,
        };
        return mlContext.ActiveLearning().Trainer(options).Fit(BuildLearner(mlContext, settings), pool, oracle ?? Oracles.FromLabelColumn("Label"), test, progress);
    }

    /// <summary>Saves the final network for <see cref="Predict"/> (temporary file, then moved).</summary>
    public static void SaveModel(ITransformer model, string path)
    {
        var network = model as TorchClassifierTransformer
            ?? throw new ArgumentException($"Expected a TorchClassifierTransformer, got {model.GetType().Name}.", nameof(model));
        string temporary = path + ".tmp";
        using (var stream = File.Create(temporary)) network.Save(stream);
        File.Move(temporary, path, overwrite: true);
    }
}
