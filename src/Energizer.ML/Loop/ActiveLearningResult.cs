using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Loop;

/// <summary>What an active-learning run produced: the final model, the history, the labels.</summary>
public sealed class ActiveLearningResult
{
    private readonly IReadOnlyList<Checkpoint.LabelRecord> _records;
    private readonly IDataView _pool;
    private readonly ActiveLearningOptions _options;
    private readonly DataViewType _labelType;

    internal ActiveLearningResult(ITransformer model, IReadOnlyList<RoundReport> rounds, IReadOnlyList<Checkpoint.LabelRecord> records,
        IReadOnlyDictionary<long, object> labels, IDataView pool, ActiveLearningOptions options, DataViewType labelType)
    {
        Model = model;
        Rounds = [.. rounds];
        _records = [.. records];
        Labels = new Dictionary<long, object>(labels);
        _pool = pool;
        _options = options;
        _labelType = labelType;
    }

    /// <summary>
    /// What the loop refused while the initial set was labelled (skipped rows, answers the label
    /// column cannot hold), one message per row naming it; each round's own are in
    /// <see cref="RoundReport.Rejections"/>.
    /// </summary>
    public IReadOnlyList<string> InitialRejections { get; init; } = [];

    /// <summary>The model fitted after the last query, on every labelled row.</summary>
    public ITransformer Model { get; }

    /// <summary>One report per round, the final fit last.</summary>
    public IReadOnlyList<RoundReport> Rounds { get; }

    /// <summary>The labelled row ids, in the order they were labelled.</summary>
    public IReadOnlyList<long> LabelledRowIds => [.. _records.Select(r => r.RowId)];

    /// <summary>Each labelled row's label (of the label column's type).</summary>
    public IReadOnlyDictionary<long, object> Labels { get; }

    /// <summary>
    /// Each labelled row's label as <typeparamref name="T"/>: <see cref="string"/> for a text label
    /// column, <see cref="float"/>, <see cref="bool"/>, <see cref="uint"/> for a key column (the raw
    /// key), and so on: the .NET type of the label column's values (see <see cref="Labels"/>).
    /// </summary>
    /// <exception cref="InvalidCastException">The labels are of another type (the message names it).</exception>
    public IReadOnlyDictionary<long, T> GetLabels<T>()
    {
        var typed = new Dictionary<long, T>(Labels.Count);
        foreach (var (id, label) in Labels)
        {
            typed[id] = label is T value
                ? value
                : throw new InvalidCastException(
                    $"The labels are {label.GetType().Name} values (label column '{_options.LabelColumnName}' of type {_labelType}), not {typeof(T).Name}: call GetLabels<{label.GetType().Name}>().");
        }
        return typed;
    }

    /// <summary>The round in which each labelled row was labelled (−1: the initial set).</summary>
    public IReadOnlyDictionary<long, int> LabelledRound => _records.ToDictionary(r => r.RowId, r => r.Round);

    /// <summary>Why the loop stopped.</summary>
    public string? StopReason => Rounds.Count == 0 ? null : Rounds[^1].StopReason;

    /// <summary>
    /// The normalised area under the learning curve (evaluation micro-accuracy against labelled
    /// count, trapezoids, divided by the labelled-count range): a mean accuracy over the run. NaN
    /// without an evaluation set or with fewer than two rounds.
    /// </summary>
    public double AreaUnderLearningCurve => LearningCurve.Area(Rounds);

    /// <summary>
    /// The mean evaluation micro-accuracy over the rounds, the initial fit included: the learning
    /// curve summary modAL, baal and most papers report, and the one the samples' tables print. NaN
    /// without an evaluation set.
    /// </summary>
    public double MeanAccuracy => LearningCurve.Summarize(Rounds, LearningCurveSummary.MeanAccuracy);

    /// <summary>The mean <see cref="RoundReport.QuerySeconds"/> of the rounds that queried (<see cref="RoundReport.Queried"/>; the final fit is left out); NaN when none did.</summary>
    public double MeanQuerySeconds => Rounds.Where(r => r.Queried).Select(r => r.QuerySeconds).DefaultIfEmpty(double.NaN).Average();

    /// <summary>The learning curve as one number, by the definition <paramref name="summary"/> names.</summary>
    public double SummarizeLearningCurve(LearningCurveSummary summary) => LearningCurve.Summarize(Rounds, summary);

    /// <summary>
    /// The rows labelled before round <paramref name="round"/>'s fit (the initial set and the
    /// answers to queries of earlier rounds): the state to replay or restart from.
    /// </summary>
    public IReadOnlyList<long> LabelledBefore(int round) => [.. _records.Where(r => r.Round < round).Select(r => r.RowId)];

    /// <summary>The labelled rows as an IDataView: the pool's columns with the oracle's labels.</summary>
    public IDataView LabelledData() =>
        new PoolSubsetView(_pool, _options.IdColumnName, Labels.Keys.ToHashSet(), (_options.LabelColumnName, _labelType, Labels), rowIdColumnName: null);

    /// <summary>Writes the labels as CSV: RowId,Label,Round.</summary>
    public void SaveLabelsCsv(string path)
    {
        var text = new StringBuilder("RowId,Label,Round\n");
        foreach (var r in _records) text.Append(CultureInfo.InvariantCulture, $"{r.RowId},{Csv(r.Label)},{r.Round}\n");
        File.WriteAllText(path, text.ToString());
    }

    /// <summary>Writes the history as CSV, one line per round.</summary>
    public void SaveHistoryCsv(string path)
    {
        var text = new StringBuilder("Round,LabelledCount,MicroAccuracy,MacroAccuracy,LogLoss,ValidationAccuracy,StopSetKappa,Selected,FitSeconds,EvaluateSeconds,QuerySeconds,ScoringSeconds,SelectionSeconds,LabelSeconds,StopReason\n");
        foreach (var r in Rounds)
        {
            text.Append(string.Join(',',
                r.Round, r.LabelledCount, Num(r.Metrics?.MicroAccuracy), Num(r.Metrics?.MacroAccuracy), Num(r.Metrics?.LogLoss),
                Num(r.ValidationMetrics?.MicroAccuracy), Num(r.StopSetKappa), Csv(string.Join(' ', r.SelectedRowIds)),
                Num(r.FitSeconds), Num(r.EvaluateSeconds), Num(r.QuerySeconds), Num(r.ScoringSeconds), Num(r.SelectionSeconds), Num(r.LabelSeconds), Csv(r.StopReason ?? "")));
            text.Append('\n');
        }
        File.WriteAllText(path, text.ToString());
    }

    /// <summary>Writes the history as JSON (an array of round reports).</summary>
    public void SaveHistoryJson(string path) =>
        File.WriteAllText(path, JsonSerializer.Serialize(Rounds, new JsonSerializerOptions
        {
            WriteIndented = true,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));

    private static string Num(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    private static string Csv(string value) =>
        value.Contains(',') || value.Contains('"') || value.Contains('\n') ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
}
