using Energizer.ML.Numerics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Energizer.ML.Loop;

/// <summary>
/// Measures a round's model: accuracy, macro accuracy and log-loss on the evaluation set or the
/// validation rows (binary, multiclass, and evaluation labels the model has never seen), and the
/// agreement with the previous round's model on the stop set (Cohen's kappa).
/// </summary>
internal sealed class RoundEvaluator
{
    private readonly MLContext _context;
    private readonly ActiveLearningOptions _options;
    private readonly IChannel _log;
    private readonly IDataView _pool;

    /// <summary>The pool as the fitted models score it: with a label column of missing values when the pool has none.</summary>
    private readonly IDataView _scoringPool;

    /// <summary>Holds the previous model's stop-set predictions, so a resumed run compares with the right model.</summary>
    private readonly Checkpoint _state;

    public RoundEvaluator(MLContext context, ActiveLearningOptions options, IChannel log, IDataView pool, IDataView scoringPool, Checkpoint state)
    {
        _context = context;
        _options = options;
        _log = log;
        _pool = pool;
        _scoringPool = scoringPool;
        _state = state;
    }

    /// <summary>The metrics of <paramref name="model"/> on the labelled rows of <paramref name="data"/>.</summary>
    public RoundMetrics Evaluate(ITransformer model, IDataView data)
    {
        var scored = model.Transform(data);
        var label = scored.Schema.GetColumnOrNull(_options.LabelColumnName);
        if (label is { Type: BooleanDataViewType } && scored.Schema.GetColumnOrNull("PredictedLabel") is { Type: BooleanDataViewType })
        {
            // A binary trainer: macro accuracy is the mean of the two classes' recalls; log-loss
            // needs calibrated probabilities (NaN without them).
            bool calibrated = scored.Schema.GetColumnOrNull("Probability") is { Type: NumberDataViewType };
            var binary = calibrated
                ? _context.BinaryClassification.Evaluate(scored, _options.LabelColumnName)
                : _context.BinaryClassification.EvaluateNonCalibrated(scored, _options.LabelColumnName);
            return new RoundMetrics(binary.Accuracy, (binary.PositiveRecall + binary.NegativeRecall) / 2,
                binary is CalibratedBinaryClassificationMetrics withProbabilities ? withProbabilities.LogLoss : double.NaN);
        }
        if (label is not { Type: KeyDataViewType })
            throw new InvalidOperationException(
                $"Evaluation needs the learner to turn '{_options.LabelColumnName}' into a key type (it is {label?.Type.ToString() ?? "missing"} after the learner): "
                + $"map it in place at the start of the learner, mlContext.Transforms.Conversion.MapValueToKey(\"{_options.LabelColumnName}\"), and point the trainer at it "
                + $"(LabelColumnName = \"{_options.LabelColumnName}\"), or map the label before active learning.");
        var metrics = _context.MulticlassClassification.Evaluate(scored, _options.LabelColumnName);
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

    /// <summary>Kappa between this model's and the previous model's predictions on the stop set; null for the first model or without a stop set.</summary>
    public double? StopSetKappa(ITransformer model)
    {
        int size = _options.StoppingCriteria.Select(c => c.StopSetSize).DefaultIfEmpty(0).Max();
        if (size == 0) return null;
        var stopSet = PoolDraws.Random(_pool, _options.IdColumnName, size, _options.Seed, SeededHash.StopSetStream, new HashSet<long>()).ToHashSet();
        var view = new PoolSubsetView(_scoringPool, _options.IdColumnName, stopSet, null, rowIdColumnName: null);
        var scored = model.Transform(view);
        var predictions = scored.Schema["PredictedLabel"].Type is BooleanDataViewType
            ? scored.GetColumn<bool>("PredictedLabel").Select(p => p ? 1 : 0).ToList()
            : scored.GetColumn<uint>("PredictedLabel").Select(p => (int)p).ToList();
        double? kappa = _state.PreviousStopSet is { } previous ? CohensKappa.Of(previous, predictions) : null;
        _state.PreviousStopSet = predictions;
        return kappa;
    }
}
