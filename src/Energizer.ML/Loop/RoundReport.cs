namespace Energizer.ML.Loop;

/// <summary>
/// One round of the loop: the model fitted on <see cref="LabelledCount"/> rows, its metrics,
/// and the rows it selected for labelling (none in the final round).
/// </summary>
public sealed record RoundReport
{
    /// <summary>The round, from 0. The last report is the final fit after the last query.</summary>
    public int Round { get; init; }

    /// <summary>Labelled rows the model of this round was fitted on (training plus validation).</summary>
    public int LabelledCount { get; init; }

    /// <summary>Metrics on the evaluation set, when one was given.</summary>
    public RoundMetrics? Metrics { get; init; }

    /// <summary>Metrics on the validation rows held out from the labelled set, when any.</summary>
    public RoundMetrics? ValidationMetrics { get; init; }

    /// <summary>Cohen's kappa between this model's and the previous model's predictions on the stop set, when one is used.</summary>
    public double? StopSetKappa { get; init; }

    /// <summary>The rows selected in this round, best first.</summary>
    public IReadOnlyList<long> SelectedRowIds { get; init; } = [];

    /// <summary>The acquisition score of each selected row.</summary>
    public IReadOnlyList<float> SelectedScores { get; init; } = [];

    /// <summary>Rows the oracle skipped or whose answers were rejected (see <see cref="Rejections"/>).</summary>
    public IReadOnlyList<long> UnlabelledRowIds { get; init; } = [];

    /// <summary>Why answers were rejected, one line each.</summary>
    public IReadOnlyList<string> Rejections { get; init; } = [];

    /// <summary>Seconds spent fitting the learner.</summary>
    public double FitSeconds { get; init; }

    /// <summary>Seconds spent evaluating.</summary>
    public double EvaluateSeconds { get; init; }

    /// <summary>Seconds spent on the query: scoring the pool and selecting (<see cref="ScoringSeconds"/> + <see cref="SelectionSeconds"/>, plus setting up).</summary>
    public double QuerySeconds { get; init; }

    /// <summary>Seconds of the streaming pass over the pool: reading, inference, scores and the running top k.</summary>
    public double ScoringSeconds { get; init; }

    /// <summary>Seconds of a batch-aware strategy's joint pick among its candidates (0 for pointwise strategies).</summary>
    public double SelectionSeconds { get; init; }

    /// <summary>
    /// True when this round queried the pool (it selected rows). The final round, a fit after the
    /// last query, and a round that stopped before querying did not: leave them out of query timings.
    /// </summary>
    public bool Queried => SelectedRowIds.Count > 0;

    /// <summary>
    /// What ran the learner in this round's query, e.g. "OnnxRuntime", or "TorchSharp" with the reason
    /// <c>InferenceEngine.Auto</c> fell back (<see cref="Inference.InferenceEngine"/>); null when the
    /// round queried nothing or the learner scores through its own transformer (an ML.NET model).
    /// </summary>
    public string? InferenceEngine { get; init; }

    /// <summary>Seconds spent waiting for the oracle.</summary>
    public double LabelSeconds { get; init; }

    /// <summary>Why the loop stopped after this round, or null when it went on.</summary>
    public string? StopReason { get; init; }
}
