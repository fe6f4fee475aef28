using System.Diagnostics;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Energizer.ML.Loop;

/// <summary>
/// Fits each round's model on the labelled rows: the learner alone, or the featurizer (fitted on
/// the pool once, or on the labelled rows each round) followed by the learner fitted on its
/// output. A TorchClassifier learner gets the round's epochs and, without
/// <see cref="ActiveLearningOptions.ResetWeights"/>, starts from <see cref="WarmStart"/>.
/// </summary>
internal sealed class RoundFitter
{
    private readonly MLContext _context;
    private readonly ActiveLearningOptions _options;
    private readonly IEstimator<ITransformer> _learner;
    private ITransformer? _poolFeaturizer;

    public RoundFitter(MLContext context, ActiveLearningOptions options, IEstimator<ITransformer> learner)
    {
        if ((!options.ResetWeights || options.EpochsPerRound is not null) && learner is not TorchClassifierTrainer)
            throw new ArgumentException(
                "ActiveLearningOptions.ResetWeights = false and EpochsPerRound need the learner to be a TorchClassifierTrainer itself "
                + $"(this one is {learner.GetType().Name}); featurize the pool beforehand or pass the featurizer as ActiveLearningOptions.Featurizer.", nameof(learner));
        _context = context;
        _options = options;
        _learner = learner;
    }

    /// <summary>The weights the next fit starts from (the last fitted network) when warm-starting; null otherwise.</summary>
    public TorchClassifierTransformer? WarmStart { get; set; }

    /// <summary>The TorchClassifier's network factory, to load saved warm-start weights into.</summary>
    public Func<int, int, TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>>? Network =>
        (_learner as TorchClassifierTrainer)?.Options.Network;

    /// <summary>The TorchClassifier learner's feature column; null for other learners.</summary>
    public string? FeatureColumnName => (_learner as TorchClassifierTrainer)?.Options.FeatureColumnName;

    /// <summary><paramref name="pool"/> through the featurizer fitted on the pool, or as it is when there is none.</summary>
    public IDataView Featurized(IDataView pool) => _poolFeaturizer?.Transform(pool) ?? pool;

    /// <summary>Fits the featurizer on every pool row with the label column hidden, so that no label can be read.</summary>
    public void FitFeaturizerOnPool(IDataView pool, long poolRows, IChannel log)
    {
        var watch = Stopwatch.StartNew();
        var unlabelled = pool.Schema.GetColumnOrNull(_options.LabelColumnName) is null
            ? pool
            : _context.Transforms.DropColumns(_options.LabelColumnName).Fit(pool).Transform(pool);
        _poolFeaturizer = _options.Featurizer!.Fit(unlabelled);
        log.Info(MessageSensitivity.None, $"Featurizer fitted on the {poolRows} pool rows without labels ({watch.Elapsed.TotalSeconds:F2} s).");
    }

    /// <summary>This round's model, fitted on <paramref name="labelled"/>; when warm-starting, its network becomes <see cref="WarmStart"/>.</summary>
    public ITransformer Fit(IDataView labelled)
    {
        var learner = RoundLearner();
        ITransformer model, fitted;
        if (_options.Featurizer is not { } featurizer)
        {
            model = fitted = learner.Fit(labelled);
        }
        else
        {
            var features = _poolFeaturizer ?? featurizer.Fit(labelled);
            fitted = learner.Fit(features.Transform(labelled));
            model = new TransformerChain<ITransformer>(features, fitted);
        }
        if (!_options.ResetWeights) WarmStart = (TorchClassifierTransformer)fitted;
        if (!_labelSourceChecked)
        {
            CheckLabelSource(model, labelled.Schema);
            _labelSourceChecked = true;
        }
        return model;
    }

    private bool _labelSourceChecked;

    /// <summary>
    /// Refuses a learner whose label column is computed from another column than the one the loop
    /// writes the oracle's answers into (e.g. <c>MapValueToKey("Label", "Digit")</c> with the
    /// labels in the pool's "Digit"): it would train on that column and never read a person's
    /// answers. ML.NET's row mappers say which input columns an output column depends on.
    /// </summary>
    private void CheckLabelSource(ITransformer model, DataViewSchema labelledSchema)
    {
        string label = _options.LabelColumnName;
        if (!model.IsRowToRowMapper) return;
        var mapper = model.GetRowToRowMapper(labelledSchema);
        if (mapper.OutputSchema.GetColumnOrNull(label) is not { } output) return;
        var sources = mapper.GetDependencies([output]).Select(c => c.Name).Distinct().ToList();
        if (sources.Count == 0 || sources.Contains(label)) return;
        string source = sources[0];
        throw new InvalidOperationException(
            $"The learner computes its label column '{label}' from column '{string.Join("', '", sources)}', not from '{label}', where the loop writes "
            + $"the oracle's answers, so it would never learn from them. Name the column that holds the labels, ActiveLearningOptions.LabelColumnName = \"{source}\", "
            + $"and map it in place: mlContext.Transforms.Conversion.MapValueToKey(\"{source}\") (the learner then reads '{source}' as its label).");
    }

    /// <summary>
    /// The learner of this round: a TorchClassifier gets this round's epochs and warm start, and
    /// its log lines go to mlContext.Log unless its options route them elsewhere.
    /// </summary>
    private IEstimator<ITransformer> RoundLearner()
    {
        if (_learner is not TorchClassifierTrainer torch) return _learner;
        var options = torch.Options;
        // A channel per line: the run's own channel is closed when Fit returns, and the fitted
        // model keeps these options.
        var host = (IHostEnvironment)_context;
        options.Log ??= line =>
        {
            using var channel = host.Start("TorchClassifier");
            channel.Trace(MessageSensitivity.None, line);
        };
        if (_options.EpochsPerRound is { } epochs) options.Epochs = epochs;
        if (!_options.ResetWeights) options.WarmStartFrom = WarmStart;
        return new TorchClassifierTrainer(options);
    }
}
