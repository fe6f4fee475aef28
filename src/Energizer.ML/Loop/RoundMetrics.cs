namespace Energizer.ML.Loop;

/// <summary>
/// Metrics of one model on one data set: from MulticlassClassification.Evaluate, or for a binary
/// trainer (Boolean label) from BinaryClassification.Evaluate.
/// </summary>
/// <param name="MicroAccuracy">Fraction of rows predicted right.</param>
/// <param name="MacroAccuracy">Mean over classes of each class's accuracy (binary: the mean of the positive and negative recalls).</param>
/// <param name="LogLoss">Mean negative log-probability of the true class (NaN for an uncalibrated binary trainer).</param>
public sealed record RoundMetrics(double MicroAccuracy, double MacroAccuracy, double LogLoss)
{
    /// <summary>
    /// Evaluation rows whose label the model has not seen (its learner mapped labels to keys from
    /// the labelled rows, and no labelled row has that class yet). ML.NET's evaluator leaves such
    /// rows out; here they count as errors in both accuracies (their classes with recall 0), while
    /// <see cref="LogLoss"/> covers only the other rows.
    /// </summary>
    public int UnseenLabelRows { get; init; }
}
