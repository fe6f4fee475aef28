using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Energizer.ML.Torch.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Torch;

/// <summary>
/// Trains a TorchSharp network as an ML.NET multiclass classifier: features from a known-size
/// <see cref="float"/> vector column, labels from a key column, mini-batches with the chosen
/// optimiser, optional validation with early stopping. Fitting gives a
/// <see cref="TorchClassifierTransformer"/> that adds <c>Score</c> and <c>PredictedLabel</c>.
/// Create it with <c>mlContext.MulticlassClassification.Trainers.TorchClassifier(options)</c>.
/// </summary>
public sealed class TorchClassifierTrainer : IEstimator<TorchClassifierTransformer>
{
    private readonly TorchClassifierOptions _options;

    /// <summary>A trainer with a copy of <paramref name="options"/> (checked when fitting).</summary>
    public TorchClassifierTrainer(TorchClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone();
    }

    /// <summary>A copy of the options this trainer fits with.</summary>
    public TorchClassifierOptions Options => _options.Clone();

    /// <summary>What the trainer expects of its data.</summary>
    public TorchTrainerInfo Info { get; } = new(NeedNormalization: true, NeedCalibration: false, WantCaching: false, SupportsValidation: true);

    /// <summary>
    /// The input shape plus <c>Score</c> (known-size vector of Single) and <c>PredictedLabel</c>
    /// (the label's key type); checks the feature and label columns before any data moves.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type (the message names it).</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        TorchClassifierSchema.CheckFeatures(inputSchema, _options.FeatureColumnName);
        var label = TorchClassifierSchema.CheckLabel(inputSchema, _options.LabelColumnName);
        return TorchClassifierSchema.AddOutputColumns(inputSchema, label);
    }

    /// <summary>Trains the network on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or a column is missing or mistyped.</exception>
    /// <exception cref="InvalidOperationException">No labelled rows, a non-finite feature (with its row), or a network whose output width is not the class count.</exception>
    /// <exception cref="OperationCanceledException"><see cref="TorchClassifierOptions.CancellationToken"/> was cancelled.</exception>
    public TorchClassifierTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        TorchRuntime.EnsureLoaded();
        var options = _options.Clone();
        options.Validate();
        int featureCount = TorchClassifierSchema.CheckFeatures(input.Schema, options.FeatureColumnName);
        var labelKey = TorchClassifierSchema.CheckLabel(input.Schema, options.LabelColumnName);
        int classCount = (int)labelKey.Count;
        if (options.ClassWeights is { } weights && weights.Length != classCount)
            throw new ArgumentOutOfRangeException(nameof(options), $"ClassWeights has {weights.Length} weights; label '{options.LabelColumnName}' has {classCount} classes.");
        if (options.ValidationData is { } validation)
        {
            if (TorchClassifierSchema.CheckFeatures(validation.Schema, options.FeatureColumnName) != featureCount
                || TorchClassifierSchema.CheckLabel(validation.Schema, options.LabelColumnName).Count != labelKey.Count)
                throw new ArgumentOutOfRangeException(nameof(options), "ValidationData must have the training data's feature size and label key count.");
        }

        var token = options.CancellationToken;
        var train = TrainingSet.Read(input, options, token);
        if (train.Count == 0)
            throw new InvalidOperationException(
                $"The training data has no rows with a label (label '{options.LabelColumnName}'{(train.SkippedRows > 0 ? $": {train.SkippedRows} rows with a missing key" : "")}).");
        options.Log?.Invoke($"TorchClassifier: {train.Count} training rows ({train.SkippedRows} skipped without label), {featureCount} features, {classCount} classes, {torch.get_num_threads()} threads.");
        var validationSet = options.ValidationData is null ? null : TrainingSet.Read(options.ValidationData, options, token);

        torch.manual_seed(options.Seed);
        var network = options.Network(featureCount, classCount)
            ?? throw new InvalidOperationException("The Network factory returned null.");
        try
        {
            CheckOutputWidth(network, featureCount, classCount, options.LabelColumnName);
            if (options.WarmStartFrom is { } start) WarmStart(network, start);
            var device = torch.device(options.Device);
            network.to(device);
            Train(network, options, train, validationSet, device, token);
            return new TorchClassifierTransformer(network, options, featureCount, labelKey, KeyValueSet.From(input.Schema[options.LabelColumnName]));
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private static void WarmStart(nn.Module<Tensor, Tensor> network, TorchClassifierTransformer start)
    {
        try
        {
            using var noGrad = torch.no_grad();
            var source = start.Network.state_dict();
            var target = network.state_dict();
            if (source.Count != target.Count || source.Keys.Except(target.Keys).Any())
                throw new InvalidOperationException($"its parameters ({string.Join(", ", source.Keys)}) are not the new network's ({string.Join(", ", target.Keys)})");
            foreach (var (name, tensor) in target)
            {
                var from = source[name];
                if (!from.shape.SequenceEqual(tensor.shape))
                    throw new InvalidOperationException($"parameter '{name}' is [{string.Join(", ", from.shape)}] there and [{string.Join(", ", tensor.shape)}] here");
                tensor.copy_(from.to(tensor.device));
            }
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"TorchClassifierOptions.WarmStartFrom cannot seed this network: {e.Message}.", e);
        }
    }

    private static void CheckOutputWidth(nn.Module<Tensor, Tensor> network, int featureCount, int classCount, string labelColumn)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        network.eval();
        Tensor output;
        try
        {
            output = network.forward(torch.zeros(2, featureCount));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidOperationException($"The network fails on a [2, {featureCount}] batch of features: {e.Message}", e);
        }
        if (output.ndim != 2 || output.shape[0] != 2 || output.shape[1] != classCount)
            throw new InvalidOperationException(
                $"The network maps [2, {featureCount}] features to [{string.Join(", ", output.shape)}]; it must give [2, {classCount}] logits, one per class of label '{labelColumn}'.");
    }

    private static void Train(
        nn.Module<Tensor, Tensor> network,
        TorchClassifierOptions options,
        TrainingSet train,
        TrainingSet? validation,
        Device device,
        CancellationToken token)
    {
        using var optimizer = OwnedOptimizer.Create(network.parameters(), options);
        using var lazyFirstLayer = train.IsSparse && options.SparseUpdate == SparseUpdate.Lazy && optimizer.UpdatesColumns ? SparseFirstLayer.For(network) : null;
        if (lazyFirstLayer is not null)
            options.Log?.Invoke("TorchClassifier: sparse rows; the first layer trains on each batch's columns only (lazy Adam, SparseUpdate.Lazy).");
        using var classWeights = options.ClassWeights is null ? null : torch.tensor(options.ClassWeights, device: device);
        var loss = options.Loss ?? ((logits, labels) => nn.functional.cross_entropy(logits, labels, classWeights));
        int batchSize = options.BatchSize;
        var features = new float[batchSize * train.FeatureCount];
        var labels = new long[batchSize];
        var order = Enumerable.Range(0, train.Count).ToArray();
        var shuffle = new Random(options.Seed);
        int epochs = options.EpochsFor(train.Count);
        if (epochs > options.Epochs)
            options.Log?.Invoke($"TorchClassifier: {epochs} epochs instead of {options.Epochs}, so that {train.Count} rows make at least {options.MinimumSteps} optimizer steps (MinimumSteps).");
        var clock = Stopwatch.StartNew();
        double bestLoss = double.PositiveInfinity;
        int epochsWithoutImprovement = 0;
        Dictionary<string, Tensor>? best = null;
        try
        {
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                if (options.Shuffle) shuffle.Shuffle(order);
                network.train();
                double lossSum = 0;
                for (int start = 0; start < train.Count; start += batchSize)
                {
                    token.ThrowIfCancellationRequested();
                    int rows = Math.Min(batchSize, train.Count - start);
                    using var scope = torch.NewDisposeScope();
                    optimizer.ZeroGrad();
                    Tensor logits;
                    TouchedColumns? touched = null;
                    if (lazyFirstLayer is not null)
                    {
                        (var firstLayer, touched) = lazyFirstLayer.TrainingForward(train.GatherSparse(order, start, rows, labels));
                        logits = lazyFirstLayer.Rest(firstLayer);
                    }
                    else
                    {
                        train.Gather(order, start, rows, features, labels);
                        logits = network.forward(BatchTensors.Rows(features, rows, train.FeatureCount, device));
                    }
                    var output = loss(logits, BatchTensors.Rows(labels, rows, device));
                    output.backward();
                    optimizer.Step(touched?.Gradient());
                    lossSum += output.item<float>() * rows;
                }
                double trainingLoss = lossSum / train.Count;
                var (validationLoss, validationAccuracy) = validation is null ? (null, null) : Evaluate(network, validation, batchSize, features, labels, device);
                var report = new TorchEpochReport(epoch, epochs, trainingLoss, validationLoss, validationAccuracy, clock.Elapsed);
                options.Log?.Invoke(
                    $"TorchClassifier epoch {epoch}/{epochs}: training loss {trainingLoss:F4}"
                    + (validationLoss is null ? "" : $", validation loss {validationLoss:F4}, accuracy {validationAccuracy:P2}")
                    + $" ({clock.Elapsed.TotalSeconds:F1} s)");
                options.Progress?.Invoke(report);

                if (validationLoss is not double current || options.EarlyStoppingPatience == 0) continue;
                if (current < bestLoss)
                {
                    bestLoss = current;
                    epochsWithoutImprovement = 0;
                    DisposeAll(best);
                    best = Snapshot(network);
                }
                else if (++epochsWithoutImprovement >= options.EarlyStoppingPatience)
                {
                    options.Log?.Invoke($"TorchClassifier: early stop after epoch {epoch}; keeping the weights of the best validation loss {bestLoss:F4}.");
                    break;
                }
            }
            if (best is not null) network.load_state_dict(best);
        }
        finally
        {
            DisposeAll(best);
            network.eval();
        }
    }

    private static (double? Loss, double? Accuracy) Evaluate(
        nn.Module<Tensor, Tensor> network, TrainingSet data, int batchSize, float[] features, long[] labels, Device device)
    {
        if (data.Count == 0) return (null, null);
        using var noGrad = torch.no_grad();
        network.eval();
        var order = Enumerable.Range(0, data.Count).ToArray();
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int rows = Math.Min(batchSize, data.Count - start);
            data.Gather(order, start, rows, features, labels);
            using var scope = torch.NewDisposeScope();
            var logits = network.forward(BatchTensors.Rows(features, rows, data.FeatureCount, device));
            var target = BatchTensors.Rows(labels, rows, device);
            lossSum += nn.functional.cross_entropy(logits, target, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(target).sum().item<long>();
        }
        return (lossSum / data.Count, (double)correct / data.Count);
    }

    private static Dictionary<string, Tensor> Snapshot(nn.Module<Tensor, Tensor> network)
    {
        using var noGrad = torch.no_grad();
        return network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
    }

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors is null) return;
        foreach (var tensor in tensors.Values) tensor.Dispose();
        tensors.Clear();
    }
}
