using Energizer.ML.Numerics;
using System.Diagnostics;
using Energizer.ML.Acquisition;
using Energizer.ML.Scoring;
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
/// ends the loop. Rows the oracle skips stay unlabelled and are not asked again. With a
/// <see cref="ActiveLearningOptions.CheckpointDirectory"/>, the state is saved after every
/// round and every label, and a later Fit with the same directory continues where it stopped;
/// with learners that fit deterministically (a seeded TorchClassifier, L-BFGS) it then makes
/// the same selections as an uninterrupted run.
/// <para>
/// Made with a learner and an oracle (<see cref="ActiveLearningCatalog.Trainer(ActiveLearningOptions, IEstimator{ITransformer}, IOracle, IDataView)"/>),
/// it is also an ML.NET estimator: <see cref="Fit(IDataView)"/> runs the loop on the pool it is
/// given, so <c>featurizer.Append(mlContext.ActiveLearning().Trainer(options, learner, oracle))</c>
/// composes like any trainer.
/// </para>
/// </remarks>
public sealed class ActiveLearningTrainer : IEstimator<ActiveLearningTransformer>
{
    private readonly MLContext _context;
    private readonly IEstimator<ITransformer>? _learner;
    private readonly IOracle? _oracle;
    private readonly IDataView? _evaluation;

    internal ActiveLearningTrainer(MLContext context, ActiveLearningOptions options, IEstimator<ITransformer> learner, IOracle oracle, IDataView? evaluation)
        : this(context, options)
    {
        _learner = learner ?? throw new ArgumentNullException(nameof(learner));
        _oracle = oracle ?? throw new ArgumentNullException(nameof(oracle));
        _evaluation = evaluation;
    }

    internal ActiveLearningTrainer(MLContext context, ActiveLearningOptions options)
    {
        _context = context;
        Options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
    }

    /// <summary>The options of this trainer.</summary>
    public ActiveLearningOptions Options { get; }

    /// <summary>Called with the round after its warm-start weights are written, before the checkpoint naming them: tests kill the run there.</summary>
    internal Action<int>? AfterWarmStartWeightsWritten { get; set; }

    /// <summary>
    /// Runs the loop over <paramref name="input"/> (the pool, as the pipeline's earlier steps give
    /// it) with the learner, oracle and evaluation set this trainer was made with; see <see cref="FitAsync"/>.
    /// The evaluation set must have the columns this trainer sees, after those steps.
    /// </summary>
    /// <returns>A transformer that scores like the final model and carries the run's result.</returns>
    public ActiveLearningTransformer Fit(IDataView input)
    {
        var (learner, oracle) = LearnerAndOracle();
        return new ActiveLearningTransformer(Fit(learner, input, oracle, _evaluation));
    }

    /// <summary>The final model's output schema: the featurizer's (when <see cref="ActiveLearningOptions.Featurizer"/> is set), then the learner's.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var (learner, _) = LearnerAndOracle();
        return learner.GetOutputSchema(Options.Featurizer?.GetOutputSchema(inputSchema) ?? inputSchema);
    }

    private (IEstimator<ITransformer> Learner, IOracle Oracle) LearnerAndOracle() => _learner is { } learner && _oracle is { } oracle
        ? (learner, oracle)
        : throw new InvalidOperationException(
            "This trainer was made without a learner and an oracle, so it cannot be fitted as an estimator: make it with "
            + "mlContext.ActiveLearning().Trainer(options, learner, oracle, evaluation), or call Fit(learner, pool, oracle).");

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

    /// <summary>
    /// One Fit: the algorithm. Label the initial set; then each round fit and measure a model
    /// (<see cref="RoundFitter"/>, <see cref="RoundEvaluator"/>), stop or select the next query,
    /// save the state (<see cref="CheckpointStore"/>) and ask the oracle (<see cref="LabelLedger"/>).
    /// </summary>
    private sealed class Run
    {
        private readonly ActiveLearningOptions _options;
        private readonly IDataView _pool;

        /// <summary>The pool as the fitted models score it: with a label column of missing values when the pool has none.</summary>
        private readonly IDataView _scoringPool;
        private readonly IOracle _oracle;
        private readonly IDataView? _evaluation;
        private readonly IProgress<RoundReport>? _progress;
        private readonly IChannel _log;
        private readonly long _poolRows;
        private readonly string _rowIdColumn;
        private readonly CheckpointStore _store;
        private readonly Checkpoint _state;
        private readonly LabelLedger _ledger;
        private readonly RoundFitter _fitter;
        private readonly RoundEvaluator _evaluator;

        public Run(ActiveLearningTrainer trainer, IEstimator<ITransformer> learner, IDataView pool, IOracle oracle,
            IDataView? evaluation, IProgress<RoundReport>? progress, IChannel log)
        {
            _options = trainer.Options;
            _pool = pool;
            _scoringPool = pool.Schema.GetColumnOrNull(_options.LabelColumnName) is null
                ? new MissingLabelView(pool, _options.LabelColumnName, _options.LabelType)
                : pool;
            _oracle = oracle;
            _evaluation = evaluation;
            _progress = progress;
            _log = log;
            var labelType = pool.Schema.GetColumnOrNull(_options.LabelColumnName)?.Type ?? _options.LabelType;
            if (_options.IdColumnName is { } id)
                IdReader.Check(pool.Schema.GetColumnOrNull(id) ?? throw new ArgumentException($"Id column '{id}' is not in the pool.", nameof(pool)));
            if (evaluation is not null) CheckEvaluationSchema(pool.Schema, evaluation.Schema);
            _fitter = new RoundFitter(trainer._context, _options, learner);
            _rowIdColumn = pool.Schema.GetColumnOrNull("RowId") is null ? "RowId" : "ActiveLearningRowId";
            _poolRows = PoolDraws.CountRows(pool);
            if (_poolRows == 0) throw new ArgumentException("The pool is empty.", nameof(pool));
            _store = new CheckpointStore(_options.CheckpointDirectory, RunFingerprint.Of(_options, pool, _poolRows))
            {
                AfterWarmStartWeightsWritten = trainer.AfterWarmStartWeightsWritten,
            };
            _state = _store.State;
            _store.RecordLearner(RunFingerprint.Learner(learner, _options), log);
            _ledger = new LabelLedger(trainer._context, _options, pool, labelType, _state);
            _evaluator = new RoundEvaluator(trainer._context, _options, log, pool, _scoringPool, _state);
            if (_state.Finished && _state.Reports.Count > 0 && StopBeforeQuery(_state.Reports[^1].Round) is null)
            {
                // A finished run resumed with a larger budget or more rounds: its final fit becomes
                // an ordinary round again (refitted, then it queries).
                _log.Info(MessageSensitivity.None, $"Continuing a finished run from round {_state.Reports[^1].Round} ({_state.Reports[^1].StopReason}).");
                _state.Reports.RemoveAt(_state.Reports.Count - 1);
                _state.Finished = false;
            }
            if (!_options.ResetWeights) _fitter.WarmStart = _store.LoadWarmStart(_fitter.Network!);
        }

        public async Task<ActiveLearningResult> ExecuteAsync(CancellationToken cancellationToken)
        {
            if (_options.FitFeaturizerOnPool) _fitter.FitFeaturizerOnPool(_pool, _poolRows, _log);
            if (!_state.InitialDone)
            {
                var initial = _options.InitialStrategy is { } coldStart && _options.InitialRowIds is null && _options.InitialLabelledCount > 0
                    ? ColdStartSelect(coldStart, _options.InitialLabelledCount, new HashSet<long>(), new HashSet<long>())
                    : PoolDraws.InitialSet(_pool, _options, _poolRows);
                _log.Info(MessageSensitivity.None, $"Initial labelled set: {initial.Count} rows.");
                if (initial.Count > 0)
                {
                    _state.Pending = new RoundReport { Round = -1, SelectedRowIds = initial };
                    _store.Save();
                }
                _state.InitialDone = true;
            }
            if (_state.Pending is { } pending)
            {
                var completed = await LabelAsync(pending, cancellationToken).ConfigureAwait(false);
                if (completed.Round >= 0) Complete(completed);
                else
                {
                    _state.InitialRejections.AddRange(completed.Rejections);
                    ClearPending();
                }
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
                    int k = _options.Budget is { } budget ? Math.Min(_options.QuerySize, budget - _ledger.Labels.Count) : _options.QuerySize;
                    var watch = Stopwatch.StartNew();
                    var (ids, scores, scanSeconds, pickSeconds, engine) = await QueryAsync(model, k, cancellationToken).ConfigureAwait(false);
                    if (engine is not null && engine != _lastEngine)
                        _log.Info(MessageSensitivity.None, $"Round {round}: the pool is scored on {engine}.");
                    _lastEngine = engine ?? _lastEngine;
                    report = report with
                    {
                        InferenceEngine = engine,
                        SelectedRowIds = ids,
                        SelectedScores = scores,
                        QuerySeconds = watch.Elapsed.TotalSeconds,
                        ScoringSeconds = scanSeconds,
                        SelectionSeconds = pickSeconds,
                    };
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
                // The pending selection and the weights the next round warm-starts from are saved
                // together before the oracle is asked, so a resumed run asks the same rows.
                _state.Pending = report;
                if (_fitter.WarmStart is { } weights) _store.SaveWarmStart(round, weights);
                _store.Save();
                _store.RemoveOtherWarmStarts();
                Complete(await LabelAsync(report, cancellationToken, model).ConfigureAwait(false));
            }
            return new ActiveLearningResult(model ?? throw new InvalidOperationException("No row was labelled, so no model could be fitted."),
                _state.Reports, _state.Labels, _ledger.Labels, _pool, _options, _ledger.LabelType)
            {
                InitialRejections = [.. _state.InitialRejections],
            };
        }

        private string? StopBeforeQuery(int round)
        {
            if (_options.Budget is { } budget && _ledger.Labels.Count >= budget) return $"the budget of {budget} labels is spent";
            if (_options.MaxRounds is { } max && round >= max) return $"{max} rounds were made";
            if (_ledger.Labels.Count + _state.Unanswered.Count >= _poolRows) return "the pool is exhausted";
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
            var report = new RoundReport { Round = round, LabelledCount = _ledger.Labels.Count };
            if (_ledger.Labels.Count == 0) return (report, null);
            var (train, validation) = _ledger.SplitForValidation();
            var watch = Stopwatch.StartNew();
            var model = _fitter.Fit(_ledger.View(train));
            report = report with { FitSeconds = watch.Elapsed.TotalSeconds };
            // Fails clearly when the learner is not a classifier the inference mode can use.
            _ = Scorer(model).GetOutputSchema(_scoringPool.Schema);
            watch.Restart();
            if (_evaluation is not null) report = report with { Metrics = _evaluator.Evaluate(model, _evaluation) };
            if (validation.Count > 0) report = report with { ValidationMetrics = _evaluator.Evaluate(model, _ledger.View(validation)) };
            report = report with { EvaluateSeconds = watch.Elapsed.TotalSeconds, StopSetKappa = _evaluator.StopSetKappa(model) };
            _log.Info(MessageSensitivity.None, $"Round {round}: fitted on {_ledger.Labels.Count} labels"
                + (report.Metrics is { } m ? $", accuracy {m.MicroAccuracy:F4}" : "") + $" ({report.FitSeconds:F2} s).");
            return (report, model);
        }

        /// <summary>The engine the last query scored on, so the log says it once and again only when it changes.</summary>
        private string? _lastEngine;

        private async Task<(List<long> Ids, List<float> Scores, double ScanSeconds, double PickSeconds, string? Engine)> QueryAsync(ITransformer? model, int k, CancellationToken cancellationToken)
        {
            // Rows already labelled, and rows the oracle skipped or could not label: not asked again;
            // only the labelled ones are centres for diversity strategies.
            var labelled = _ledger.Labels.Keys.ToHashSet();
            var skipped = _state.Unanswered.ToHashSet();
            if (k <= 0) return ([], [], 0, 0, null);
            if (model is null && _options.InitialStrategy is { } coldStart)
            {
                var chosen = ColdStartSelect(coldStart, k, labelled, skipped);
                return (chosen, [.. chosen.Select(_ => 0f)], 0, 0, null);
            }
            if (model is null)
            {
                // Cold start: no model yet, so the first query is a seeded random draw.
                var drawn = PoolDraws.Random(_pool, _options.IdColumnName, k, _options.Seed, SeededHash.DrawStream, labelled.Union(skipped).ToHashSet());
                return (drawn, [.. drawn.Select(_ => 0f)], 0, 0, null);
            }
            var request = new PoolScoringRequest(model, _scoringPool, ScorerOptions(), k, new SelectionOptions
            {
                IdColumnName = _options.IdColumnName,
                Labelled = labelled,
                Excluded = skipped,
                Partitions = _options.ScoringPartitions,
                CandidateCount = _options.CandidateCount,
            });
            var selection = await (_options.PoolScorer ?? InProcessPoolScorer.Instance).SelectAsync(request, cancellationToken).ConfigureAwait(false);
            return ([.. selection.RowIds], [.. selection.Scores], selection.ScanSeconds, selection.PickSeconds, selection.Engine);
        }

        /// <summary>Rows chosen by <see cref="ActiveLearningOptions.InitialStrategy"/> from the pool's embedding column, before any model exists.</summary>
        private List<long> ColdStartSelect(AcquisitionStrategy strategy, int k, IReadOnlySet<long> labelled, IReadOnlySet<long> excluded)
        {
            string column = _options.EmbeddingColumnName ?? _fitter.FeatureColumnName ?? "Features";
            int classes = _pool.Schema.GetColumnOrNull(_options.LabelColumnName) is { Type: KeyDataViewType key } ? (int)key.Count : 1;
            var chosen = ColdStart.Select(_fitter.Featurized(_pool), _options.IdColumnName, column, strategy.ForRun(_options.Seed), k, classes, labelled, excluded);
            _log.Info(MessageSensitivity.None, $"Cold start: {chosen.Count} rows chosen by {strategy.Name} on column '{column}'.");
            return chosen;
        }

        private AcquisitionScorerTransformer Scorer(ITransformer model) => new(model, ScorerOptions());

        private AcquisitionScorerOptions ScorerOptions() => new()
        {
            Strategy = _options.StrategyAt(_ledger.Labels.Count).ForRun(_options.Seed),
            Inference = _options.Inference,
            IdColumnName = _options.IdColumnName,
            BatchSize = _options.ScoringBatchSize,
            EmbeddingColumnName = _options.EmbeddingColumnName,
            LabelColumnName = _options.LabelColumnName,
            LabelType = _options.LabelType,
        };

        /// <param name="report">The round's report with its selection.</param>
        /// <param name="cancellationToken">Stops labelling; answers so far are saved.</param>
        /// <param name="model">The model that made the selection, for the query's <see cref="OracleQuery.ScoredRows"/>; null when there is none (yet).</param>
        private async Task<RoundReport> LabelAsync(RoundReport report, CancellationToken cancellationToken, ITransformer? model = null)
        {
            var asked = report.SelectedRowIds.ToHashSet();
            var answered = _state.PendingAnswered.ToHashSet();
            var remaining = report.SelectedRowIds.Where(id => !answered.Contains(id)).ToList();
            var watch = Stopwatch.StartNew();
            if (remaining.Count > 0)
            {
                var rows = new PoolSubsetView(_pool, _options.IdColumnName, remaining.ToHashSet(), null, _rowIdColumn);
                var query = new OracleQuery(report.Round, remaining, rows, _rowIdColumn, _ledger.LabelType)
                {
                    LabelColumnName = _options.LabelColumnName,
                    LabelledCount = _ledger.Labels.Count,
                    Budget = _options.Budget,
                    History = [.. _state.Reports],
                    ScoredRows = model?.Transform(new PoolSubsetView(_scoringPool, _options.IdColumnName, remaining.ToHashSet(), null, _rowIdColumn)),
                };
                await foreach (var answer in _oracle.LabelAsync(query, cancellationToken).ConfigureAwait(false))
                {
                    if (_ledger.Accept(answer, asked, answered) is { } rejection)
                    {
                        _state.PendingRejections.Add(rejection);
                        _log.Warning(MessageSensitivity.None, rejection);
                    }
                    _store.Save();
                }
            }
            var unlabelled = report.SelectedRowIds.Where(id => !_ledger.Labels.ContainsKey(id)).ToList();
            foreach (long id in unlabelled.Where(id => answered.Contains(id) && !_state.Unanswered.Contains(id))) _state.Unanswered.Add(id);
            return report with
            {
                UnlabelledRowIds = unlabelled,
                Rejections = [.. _state.PendingRejections],
                LabelSeconds = report.LabelSeconds + watch.Elapsed.TotalSeconds,
            };
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
            _store.Save();
        }

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
