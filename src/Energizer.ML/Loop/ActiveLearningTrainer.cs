using Energizer.ML.Numerics;
using System.Diagnostics;
using Energizer.ML.Acquisition;
using Energizer.ML.Scoring;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Energizer.ML.Loop;

/// <summary>
/// The active-learning loop as an ML.NET trainer: fit the learner on the labelled rows, score
/// the pool, select the best <see cref="ActiveLearningOptions.QuerySize"/> unlabelled rows, ask
/// the oracle, repeat until the budget is spent, <see cref="ActiveLearningOptions.MaxRounds"/>
/// is reached, the pool is exhausted or a stopping criterion fires; then fit once more.
/// </summary>
/// <remarks>
/// Rules: the last query is cut to the budget left; a round whose query is cut to nothing
/// ends the loop. Rows the oracle skips stay unlabelled and can be selected again. With a
/// <see cref="ActiveLearningOptions.CheckpointDirectory"/>, the state is saved after every
/// round and every label, and a later Fit with the same directory continues where it stopped;
/// with learners that fit deterministically (a seeded TorchClassifier, L-BFGS) it then makes
/// the same selections as an uninterrupted run.
/// </remarks>
public sealed class ActiveLearningTrainer
{
    private readonly MLContext _context;

    internal ActiveLearningTrainer(MLContext context, ActiveLearningOptions options)
    {
        _context = context;
        Options = options ?? throw new ArgumentNullException(nameof(options));
        if (options.Strategy is null) throw new ArgumentException("ActiveLearningOptions.Strategy must be set.", nameof(options));
        if (options.Inference is null) throw new ArgumentException("ActiveLearningOptions.Inference must be set.", nameof(options));
        if (options.QuerySize <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.QuerySize, "ActiveLearningOptions.QuerySize must be at least 1.");
        if (options.InitialLabelledCount < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.InitialLabelledCount, "ActiveLearningOptions.InitialLabelledCount must not be negative.");
        int initial = options.InitialRowIds?.Count ?? options.InitialLabelledCount;
        if (options.Budget is { } budget && budget < initial)
            throw new ArgumentOutOfRangeException(nameof(options), budget,
                $"ActiveLearningOptions.Budget ({budget}) is smaller than the initial labelled set ({initial}).");
        if (options.MaxRounds is < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxRounds, "ActiveLearningOptions.MaxRounds must not be negative.");
        if (options.ValidationFraction is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.ValidationFraction, "ActiveLearningOptions.ValidationFraction must be in [0, 1).");
        if (options.EpochsPerRound is <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.EpochsPerRound, "ActiveLearningOptions.EpochsPerRound must be at least 1.");
        if (options.FitFeaturizerOnPool && options.Featurizer is null)
            throw new ArgumentException("ActiveLearningOptions.FitFeaturizerOnPool needs ActiveLearningOptions.Featurizer: the featurizer to fit on the pool.", nameof(options));
        if (options.StoppingCriteria.Any(c => c.NeedsValidation) && options.ValidationFraction == 0)
            throw new ArgumentException(
                $"Stopping criterion {options.StoppingCriteria.First(c => c.NeedsValidation).Name} needs validation rows: set ActiveLearningOptions.ValidationFraction above 0.",
                nameof(options));
    }

    /// <summary>The options of this trainer.</summary>
    public ActiveLearningOptions Options { get; }

    /// <summary>Runs the loop; see <see cref="FitAsync"/>.</summary>
    public ActiveLearningResult Fit(
        IEstimator<ITransformer> learner, IDataView pool, IOracle oracle, IDataView? evaluation = null,
        IProgress<RoundReport>? progress = null, CancellationToken cancellationToken = default) =>
        FitAsync(learner, pool, oracle, evaluation, progress, cancellationToken).GetAwaiter().GetResult();

    /// <summary>
    /// Runs the loop over <paramref name="pool"/> with <paramref name="learner"/> (any ML.NET
    /// chain ending in a multiclass trainer, featurizers included: they are refitted on the
    /// labelled rows each round) and <paramref name="oracle"/>. With
    /// <see cref="ActiveLearningOptions.Featurizer"/>, the learner starts from the featurizer's
    /// output, and the featurizer is fitted on the pool once or on the labelled rows each round
    /// (<see cref="ActiveLearningOptions.FitFeaturizerOnPool"/>).
    /// </summary>
    /// <param name="learner">The learner to fit each round.</param>
    /// <param name="pool">All rows, labelled or not. With <see cref="Oracles.FromLabelColumn"/> the label
    /// column is read only for rows the oracle is asked about.</param>
    /// <param name="oracle">Gives labels.</param>
    /// <param name="evaluation">Labelled rows to evaluate each round's model on (same columns as the pool).</param>
    /// <param name="progress">Receives each round's report.</param>
    /// <param name="cancellationToken">Stops the loop; the state up to the last label is saved.</param>
    public async Task<ActiveLearningResult> FitAsync(
        IEstimator<ITransformer> learner, IDataView pool, IOracle oracle, IDataView? evaluation = null,
        IProgress<RoundReport>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(learner);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(oracle);
        using var channel = ((IHostEnvironment)_context).Start("ActiveLearning");
        var run = new Run(this, learner, pool, oracle, evaluation, progress, channel);
        return await run.ExecuteAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed class Run
    {
        private readonly ActiveLearningTrainer _trainer;
        private readonly ActiveLearningOptions _options;
        private readonly IEstimator<ITransformer> _learner;
        private readonly IDataView _pool;

        /// <summary>The pool as the fitted models score it: with a label column of missing values when the pool has none.</summary>
        private readonly IDataView _scoringPool;
        private readonly IOracle _oracle;
        private readonly IDataView? _evaluation;
        private readonly IProgress<RoundReport>? _progress;
        private readonly IChannel _log;
        private readonly DataViewType _labelType;
        private readonly long _poolRows;
        private readonly Dictionary<long, object> _labels = [];
        private readonly Checkpoint _state;
        private readonly string _rowIdColumn;
        private List<int>? _previousStopSet;
        private TorchClassifierTransformer? _warmStart;
        private ITransformer? _poolFeaturizer;

        public Run(ActiveLearningTrainer trainer, IEstimator<ITransformer> learner, IDataView pool, IOracle oracle,
            IDataView? evaluation, IProgress<RoundReport>? progress, IChannel log)
        {
            _trainer = trainer;
            _options = trainer.Options;
            _learner = learner;
            _pool = pool;
            _scoringPool = pool.Schema.GetColumnOrNull(_options.LabelColumnName) is null
                ? new MissingLabelView(pool, _options.LabelColumnName, _options.LabelType)
                : pool;
            _oracle = oracle;
            _evaluation = evaluation;
            _progress = progress;
            _log = log;
            var labelColumn = pool.Schema.GetColumnOrNull(_options.LabelColumnName);
            _labelType = labelColumn?.Type ?? _options.LabelType;
            if (_options.IdColumnName is { } id)
                IdReader.Check(pool.Schema.GetColumnOrNull(id) ?? throw new ArgumentException($"Id column '{id}' is not in the pool.", nameof(pool)));
            if (evaluation is not null) CheckEvaluationSchema(pool.Schema, evaluation.Schema);
            if ((!_options.ResetWeights || _options.EpochsPerRound is not null) && learner is not TorchClassifierTrainer)
                throw new ArgumentException(
                    "ActiveLearningOptions.ResetWeights = false and EpochsPerRound need the learner to be a TorchClassifierTrainer itself "
                    + $"(this one is {learner.GetType().Name}); featurize the pool beforehand or pass the featurizer as ActiveLearningOptions.Featurizer.", nameof(learner));
            _rowIdColumn = pool.Schema.GetColumnOrNull("RowId") is null ? "RowId" : "ActiveLearningRowId";
            _poolRows = PoolDraws.CountRows(pool);
            if (_poolRows == 0) throw new ArgumentException("The pool is empty.", nameof(pool));
            string fingerprint = Fingerprint(pool.Schema);
            _state = (_options.CheckpointDirectory is { } dir ? Checkpoint.Load(dir, fingerprint) : null) ?? new Checkpoint { Fingerprint = fingerprint };
            foreach (var record in _state.Labels) _labels[record.RowId] = LabelValues.Parse(record.Label, _labelType);
            _previousStopSet = _state.PreviousStopSet;
            if (_state.Finished && _state.Reports.Count > 0 && StopBeforeQuery(_state.Reports[^1].Round) is null)
            {
                // A finished run resumed with a larger budget or more rounds: its final fit becomes
                // an ordinary round again (refitted, then it queries).
                _log.Info(MessageSensitivity.None, $"Continuing a finished run from round {_state.Reports[^1].Round} ({_state.Reports[^1].StopReason}).");
                _state.Reports.RemoveAt(_state.Reports.Count - 1);
                _state.Finished = false;
            }
            if (!_options.ResetWeights && _options.CheckpointDirectory is { } checkpoints && File.Exists(WarmStartPath(checkpoints)))
            {
                using var stream = File.OpenRead(WarmStartPath(checkpoints));
                _warmStart = TorchClassifierTransformer.Load(stream, ((TorchClassifierTrainer)learner).Options.Network);
            }
        }

        private static string WarmStartPath(string directory) => Path.Combine(directory, "energizer-warm-start.bin");

        public async Task<ActiveLearningResult> ExecuteAsync(CancellationToken cancellationToken)
        {
            if (_options.FitFeaturizerOnPool) _poolFeaturizer = FitFeaturizerOnPool();
            if (!_state.InitialDone)
            {
                var initial = InitialRows();
                _log.Info(MessageSensitivity.None, $"Initial labelled set: {initial.Count} rows.");
                if (initial.Count > 0)
                {
                    _state.Pending = new RoundReport { Round = -1, SelectedRowIds = initial };
                    Save();
                }
                _state.InitialDone = true;
            }
            if (_state.Pending is { } pending)
            {
                var completed = await LabelAsync(pending, cancellationToken).ConfigureAwait(false);
                if (completed.Round >= 0) Complete(completed);
                else ClearPending();
            }

            ITransformer? model = null;
            if (_state.Finished)
            {
                // The run had ended: refit the final model from the saved labels.
                model = FitAndMeasure(_state.Reports.Count - 1).Model;
            }
            while (!_state.Finished)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int round = _state.Reports.Count;
                var (report, fitted) = FitAndMeasure(round);
                model = fitted;
                string? stop = StopBeforeQuery(round);
                if (stop is null)
                {
                    int k = _options.Budget is { } budget ? Math.Min(_options.QuerySize, budget - _labels.Count) : _options.QuerySize;
                    var watch = Stopwatch.StartNew();
                    var (ids, scores) = Query(model, k);
                    report = report with { SelectedRowIds = ids, SelectedScores = scores, QuerySeconds = watch.Elapsed.TotalSeconds };
                    stop = ids.Count == 0 ? "the pool is exhausted" : Criteria([.. _state.Reports, report]);
                    if (stop is not null) report = report with { SelectedRowIds = [], SelectedScores = [] };
                }
                if (stop is not null)
                {
                    _state.Finished = true;
                    Complete(report with { StopReason = stop });
                    _log.Info(MessageSensitivity.None, $"Stopped after round {round}: {stop}.");
                    break;
                }
                _state.Pending = report;
                SaveWarmStart();
                Save();
                Complete(await LabelAsync(report, cancellationToken).ConfigureAwait(false));
            }
            return new ActiveLearningResult(model ?? throw new InvalidOperationException("No row was labelled, so no model could be fitted."),
                _state.Reports, _state.Labels, _labels, _pool, _options, _labelType);
        }

        private List<long> InitialRows()
        {
            var none = new HashSet<long>();
            if (_options.InitialRowIds is { } explicitIds)
            {
                var distinct = explicitIds.Distinct().ToList();
                if (distinct.Count != explicitIds.Count) throw new ArgumentException("ActiveLearningOptions.InitialRowIds holds a row id twice.");
                if (explicitIds.FirstOrDefault(i => i < 0 || (_options.IdColumnName is null && i >= _poolRows)) is var bad && (bad < 0 || (_options.IdColumnName is null && bad >= _poolRows)))
                    throw new ArgumentException($"ActiveLearningOptions.InitialRowIds holds {bad}, which is not a row of the pool ({_poolRows} rows).");
                return distinct;
            }
            int count = _options.InitialLabelledCount;
            if (count == 0) return [];
            return _options.StratifyColumnName is { } stratify
                ? PoolDraws.Stratified(_pool, _options.IdColumnName, stratify, count, _options.Seed, none)
                : PoolDraws.Random(_pool, _options.IdColumnName, count, _options.Seed, SeededHash.DrawStream, none);
        }

        private string? StopBeforeQuery(int round)
        {
            if (_options.Budget is { } budget && _labels.Count >= budget) return $"the budget of {budget} labels is spent";
            if (_options.MaxRounds is { } max && round >= max) return $"{max} rounds were made";
            if (_labels.Count + _state.Unanswered.Count >= _poolRows) return "the pool is exhausted";
            return null;
        }

        private string? Criteria(IReadOnlyList<RoundReport> history)
        {
            foreach (var criterion in _options.StoppingCriteria)
            {
                if (criterion.Check(history) is { } reason) return $"{criterion.Name}: {reason}";
            }
            return null;
        }

        private (RoundReport Report, ITransformer? Model) FitAndMeasure(int round)
        {
            var report = new RoundReport { Round = round, LabelledCount = _labels.Count };
            if (_labels.Count == 0) return (report, null);
            var (train, validation) = SplitForValidation();
            var watch = Stopwatch.StartNew();
            var (model, learnerModel) = FitRound(LabelledView(train));
            report = report with { FitSeconds = watch.Elapsed.TotalSeconds };
            if (!_options.ResetWeights) _warmStart = (TorchClassifierTransformer)learnerModel;
            // Fails clearly when the learner is not a classifier the inference mode can use.
            _ = Scorer(model).GetOutputSchema(_scoringPool.Schema);
            watch.Restart();
            if (_evaluation is not null) report = report with { Metrics = Evaluate(model, _evaluation) };
            if (validation.Count > 0) report = report with { ValidationMetrics = Evaluate(model, LabelledView(validation)) };
            report = report with { EvaluateSeconds = watch.Elapsed.TotalSeconds, StopSetKappa = StopSetKappa(model) };
            _log.Info(MessageSensitivity.None, $"Round {round}: fitted on {_labels.Count} labels"
                + (report.Metrics is { } m ? $", accuracy {m.MicroAccuracy:F4}" : "") + $" ({report.FitSeconds:F2} s).");
            return (report, model);
        }

        /// <summary>
        /// Fits this round's model on the labelled rows: the learner alone, or the featurizer
        /// (fitted on the pool once, or on these rows) followed by the learner fitted on its output.
        /// </summary>
        private (ITransformer Model, ITransformer Learner) FitRound(IDataView labelled)
        {
            var learner = RoundLearner();
            if (_options.Featurizer is not { } featurizer)
            {
                var model = learner.Fit(labelled);
                return (model, model);
            }
            var features = _poolFeaturizer ?? featurizer.Fit(labelled);
            var fitted = learner.Fit(features.Transform(labelled));
            return (new TransformerChain<ITransformer>(features, fitted), fitted);
        }

        /// <summary>Fits the featurizer on every pool row with the label column hidden, so that no label can be read.</summary>
        private ITransformer FitFeaturizerOnPool()
        {
            var watch = Stopwatch.StartNew();
            var unlabelled = _pool.Schema.GetColumnOrNull(_options.LabelColumnName) is null
                ? _pool
                : _trainer._context.Transforms.DropColumns(_options.LabelColumnName).Fit(_pool).Transform(_pool);
            var fitted = _options.Featurizer!.Fit(unlabelled);
            _log.Info(MessageSensitivity.None, $"Featurizer fitted on the {_poolRows} pool rows without labels ({watch.Elapsed.TotalSeconds:F2} s).");
            return fitted;
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
            var host = (IHostEnvironment)_trainer._context;
            options.Log ??= line =>
            {
                using var channel = host.Start("TorchClassifier");
                channel.Trace(MessageSensitivity.None, line);
            };
            if (_options.EpochsPerRound is { } epochs) options.Epochs = epochs;
            if (!_options.ResetWeights) options.WarmStartFrom = _warmStart;
            return new TorchClassifierTrainer(options);
        }

        /// <summary>
        /// Saves this round's weights for the next round's warm start, together with the round's
        /// pending selection, so a resumed run warm-starts from the same weights.
        /// </summary>
        private void SaveWarmStart()
        {
            if (_options.ResetWeights || _warmStart is not { } model || _options.CheckpointDirectory is not { } dir) return;
            Directory.CreateDirectory(dir);
            string path = WarmStartPath(dir);
            using (var stream = new FileStream(path + ".tmp", FileMode.Create, FileAccess.Write, FileShare.None))
            {
                model.Save(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(path + ".tmp", path, overwrite: true);
        }

        private (HashSet<long> Train, HashSet<long> Validation) SplitForValidation()
        {
            var all = _labels.Keys.ToHashSet();
            if (_options.ValidationFraction == 0) return (all, []);
            var validation = new HashSet<long>();
            foreach (var group in _labels.GroupBy(kv => LabelValues.Format(kv.Value)))
            {
                var ordered = group.Select(kv => kv.Key).OrderBy(id => SeededHash.Bits(_options.Seed, SeededHash.ValidationStream, id)).ToList();
                int take = (int)Math.Floor(ordered.Count * _options.ValidationFraction);
                foreach (long id in ordered.Take(Math.Min(take, ordered.Count - 1))) validation.Add(id);
            }
            all.ExceptWith(validation);
            return (all, validation);
        }

        // Cached: trainers such as L-BFGS pass over their data many times, and the subset view
        // would otherwise walk the whole pool each time.
        private IDataView LabelledView(IReadOnlySet<long> ids) => _trainer._context.Data.Cache(
            new PoolSubsetView(_pool, _options.IdColumnName, ids, (_options.LabelColumnName, _labelType, _labels), rowIdColumnName: null));

        private RoundMetrics Evaluate(ITransformer model, IDataView data)
        {
            var scored = model.Transform(data);
            var label = scored.Schema.GetColumnOrNull(_options.LabelColumnName);
            if (label is { Type: BooleanDataViewType } && scored.Schema.GetColumnOrNull("PredictedLabel") is { Type: BooleanDataViewType })
            {
                // A binary trainer: macro accuracy is the mean of the two classes' recalls; log-loss
                // needs calibrated probabilities (NaN without them).
                bool calibrated = scored.Schema.GetColumnOrNull("Probability") is { Type: NumberDataViewType };
                var binary = calibrated
                    ? _trainer._context.BinaryClassification.Evaluate(scored, _options.LabelColumnName)
                    : _trainer._context.BinaryClassification.EvaluateNonCalibrated(scored, _options.LabelColumnName);
                return new RoundMetrics(binary.Accuracy, (binary.PositiveRecall + binary.NegativeRecall) / 2,
                    binary is CalibratedBinaryClassificationMetrics withProbabilities ? withProbabilities.LogLoss : double.NaN);
            }
            if (label is not { Type: KeyDataViewType })
                throw new InvalidOperationException(
                    $"Evaluation needs the learner to turn '{_options.LabelColumnName}' into a key type (it is {label?.Type.ToString() ?? "missing"} after the learner): "
                    + "start the learner with mlContext.Transforms.Conversion.MapValueToKey, or map the label before active learning.");
            var metrics = _trainer._context.MulticlassClassification.Evaluate(scored, _options.LabelColumnName);
            var unseen = UnseenLabels(data, scored);
            if (unseen.Rows == 0) return new RoundMetrics(metrics.MicroAccuracy, metrics.MacroAccuracy, metrics.LogLoss);
            // ML.NET's evaluator leaves out rows whose label the learner's key mapping does not know
            // (a class no labelled row has yet): count them as errors, and their classes as recall 0.
            _log.Warning(MessageSensitivity.None,
                $"{unseen.Rows} evaluation rows have labels the model has not seen ({unseen.Classes} classes); they count as errors. "
                + "Give the learner's MapValueToKey every class (keyData) to make them predictable.");
            return new RoundMetrics(
                metrics.MicroAccuracy * unseen.SeenRows / (unseen.SeenRows + unseen.Rows),
                metrics.MacroAccuracy * unseen.SeenClasses / (unseen.SeenClasses + unseen.Classes),
                metrics.LogLoss)
            { UnseenLabelRows = unseen.Rows };
        }

        /// <summary>
        /// Rows of <paramref name="data"/> with a label whose key after the learner is missing (0):
        /// labels the learner's own mapping never saw. Zero when the pool's label is already a key.
        /// </summary>
        private (int Rows, int Classes, int SeenRows, int SeenClasses) UnseenLabels(IDataView data, IDataView scored)
        {
            var raw = data.Schema.GetColumnOrNull(_options.LabelColumnName);
            if (raw is null || raw.Value.Type is KeyDataViewType || scored.Schema[_options.LabelColumnName].Type.RawType != typeof(uint)) return (0, 0, 0, 0);
            using var rawCursor = data.GetRowCursor([raw.Value]);
            using var keyCursor = scored.GetRowCursor([scored.Schema[_options.LabelColumnName]]);
            var read = LabelValues.Reader(rawCursor, raw.Value);
            var key = keyCursor.GetGetter<uint>(scored.Schema[_options.LabelColumnName]);
            var unseen = new HashSet<string>();
            var seen = new HashSet<string>();
            int unseenRows = 0, seenRows = 0;
            uint value = 0;
            while (rawCursor.MoveNext() && keyCursor.MoveNext())
            {
                object label = read();
                if (LabelValues.IsMissing(label, raw.Value.Type)) continue;
                key(ref value);
                if (value == 0)
                {
                    unseenRows++;
                    unseen.Add(LabelValues.Format(label));
                }
                else
                {
                    seenRows++;
                    seen.Add(LabelValues.Format(label));
                }
            }
            return (unseenRows, unseen.Count, seenRows, seen.Count);
        }

        private double? StopSetKappa(ITransformer model)
        {
            int size = _options.StoppingCriteria.Select(c => c.StopSetSize).DefaultIfEmpty(0).Max();
            if (size == 0) return null;
            var stopSet = PoolDraws.Random(_pool, _options.IdColumnName, size, _options.Seed, SeededHash.StopSetStream, new HashSet<long>()).ToHashSet();
            var view = new PoolSubsetView(_scoringPool, _options.IdColumnName, stopSet, null, rowIdColumnName: null);
            var scored = model.Transform(view);
            var predictions = scored.Schema["PredictedLabel"].Type is BooleanDataViewType
                ? scored.GetColumn<bool>("PredictedLabel").Select(p => p ? 1 : 0).ToList()
                : scored.GetColumn<uint>("PredictedLabel").Select(p => (int)p).ToList();
            double? kappa = _previousStopSet is { } previous ? CohensKappa.Of(previous, predictions) : null;
            _previousStopSet = predictions;
            _state.PreviousStopSet = predictions;
            return kappa;
        }

        private (List<long> Ids, List<float> Scores) Query(ITransformer? model, int k)
        {
            // Rows already labelled, and rows the oracle skipped or could not label: not asked again.
            var labelled = _labels.Keys.Concat(_state.Unanswered).ToHashSet();
            if (k <= 0) return ([], []);
            if (model is null)
            {
                // Cold start: no model yet, so the first query is a seeded random draw.
                var drawn = PoolDraws.Random(_pool, _options.IdColumnName, k, _options.Seed, SeededHash.DrawStream, labelled);
                return (drawn, [.. drawn.Select(_ => 0f)]);
            }
            // The session's binding (a network copy, cached masks) is freed when the query ends.
            using var session = Scorer(model).Score(_scoringPool);
            var selection = TopKSelector.Select(session, k, new SelectionOptions
            {
                IdColumnName = _options.IdColumnName,
                Labelled = labelled,
                Partitions = _options.ScoringPartitions,
                CandidateCount = _options.CandidateCount,
            });
            return ([.. selection.RowIds], [.. selection.Scores]);
        }

        private AcquisitionScorerTransformer Scorer(ITransformer model) => new(model, new AcquisitionScorerOptions
        {
            Strategy = _options.Strategy,
            Inference = _options.Inference,
            IdColumnName = _options.IdColumnName,
            BatchSize = _options.ScoringBatchSize,
            EmbeddingColumnName = _options.EmbeddingColumnName,
            LabelColumnName = _options.LabelColumnName,
            LabelType = _options.LabelType,
        });

        private async Task<RoundReport> LabelAsync(RoundReport report, CancellationToken cancellationToken)
        {
            var asked = report.SelectedRowIds.ToHashSet();
            var answered = _state.PendingAnswered.ToHashSet();
            var remaining = report.SelectedRowIds.Where(id => !answered.Contains(id)).ToList();
            var watch = Stopwatch.StartNew();
            if (remaining.Count > 0)
            {
                var rows = new PoolSubsetView(_pool, _options.IdColumnName, remaining.ToHashSet(), null, _rowIdColumn);
                var query = new OracleQuery(report.Round, remaining, rows, _rowIdColumn, _labelType);
                await foreach (var answer in _oracle.LabelAsync(query, cancellationToken).ConfigureAwait(false))
                {
                    if (Accept(answer, asked, answered) is { } rejection)
                    {
                        _state.PendingRejections.Add(rejection);
                        _log.Warning(MessageSensitivity.None, rejection);
                    }
                    Save();
                }
            }
            var unlabelled = report.SelectedRowIds.Where(id => !_labels.ContainsKey(id)).ToList();
            foreach (long id in unlabelled.Where(id => answered.Contains(id) && !_state.Unanswered.Contains(id))) _state.Unanswered.Add(id);
            return report with
            {
                UnlabelledRowIds = unlabelled,
                Rejections = [.. _state.PendingRejections],
                LabelSeconds = report.LabelSeconds + watch.Elapsed.TotalSeconds,
            };
        }

        /// <summary>Records one answer; returns why it was rejected, or null.</summary>
        private string? Accept(OracleAnswer answer, HashSet<long> asked, HashSet<long> answered)
        {
            if (!asked.Contains(answer.RowId)) return $"The oracle answered about row {answer.RowId}, which it was not asked about; the answer was ignored.";
            if (!answered.Add(answer.RowId)) return $"The oracle answered twice about row {answer.RowId}; the second answer was ignored.";
            _state.PendingAnswered.Add(answer.RowId);
            if (answer.Label is null) return null;
            object label;
            try
            {
                label = LabelValues.Normalize(answer.Label, _labelType);
            }
            catch (FormatException e)
            {
                return $"Row {answer.RowId}: {e.Message} The row stays unlabelled.";
            }
            if (LabelValues.IsMissing(label, _labelType))
                return $"Row {answer.RowId}: the label '{LabelValues.Format(label)}' is a missing value (NaN, empty text or key 0) in column '{_options.LabelColumnName}'; the row stays unlabelled.";
            if (_options.ValidLabels is { } valid && !valid.Contains(LabelValues.Format(label)))
                return $"Row {answer.RowId}: label '{LabelValues.Format(label)}' is not one of {string.Join(", ", valid)}; the row stays unlabelled.";
            _labels[answer.RowId] = label;
            _state.Labels.Add(new Checkpoint.LabelRecord(answer.RowId, LabelValues.Format(label), _state.Pending?.Round ?? -1));
            return null;
        }

        private void Complete(RoundReport report)
        {
            _state.Reports.Add(report);
            ClearPending();
            _progress?.Report(report);
        }

        private void ClearPending()
        {
            _state.Pending = null;
            _state.PendingAnswered.Clear();
            _state.PendingRejections.Clear();
            Save();
        }

        private void Save()
        {
            if (_options.CheckpointDirectory is { } dir) _state.Save(dir);
        }

        private string Fingerprint(DataViewSchema schema) =>
            // QuerySize, Budget and MaxRounds are left out: a run may go on with more labels or rounds.
            $"strategy={_options.Strategy.Name}; inference={_options.Inference.Name}; "
            + $"initial={_options.InitialRowIds?.Count ?? _options.InitialLabelledCount}; seed={_options.Seed}; "
            + $"rows={_poolRows}; columns={string.Join(",", schema.Where(c => !c.IsHidden).Select(c => $"{c.Name}:{c.Type}"))}"
            + (_options.Featurizer is null ? "" : $"; featurizer fitted on {(_options.FitFeaturizerOnPool ? "the pool" : "the labelled rows")}");

        private static void CheckEvaluationSchema(DataViewSchema pool, DataViewSchema evaluation)
        {
            foreach (var column in pool.Where(c => !c.IsHidden))
            {
                var other = evaluation.GetColumnOrNull(column.Name);
                if (other is null) continue;
                if (!other.Value.Type.Equals(column.Type))
                    throw new ArgumentException(
                        $"Evaluation column '{column.Name}' is {other.Value.Type} but the pool's is {column.Type}: the evaluation set must have the pool's schema.", nameof(evaluation));
            }
        }
    }
}
