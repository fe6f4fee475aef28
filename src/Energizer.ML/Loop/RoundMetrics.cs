namespace Energizer.ML.Loop;

/// <summary>
/// Metrics of one model on one data set: from MulticlassClassification.Evaluate, or for a binary
/// trainer (Boolean label) from BinaryClassification.Evaluate.
/// </summary>
/// <param name="MicroAccuracy">Fraction of rows predicted right.</param>
/// <param name="MacroAccuracy">Mean over classes of each class's accuracy (binary: the mean of the positive and negative recalls).</param>
/// <param name="LogLoss">Mean negative log-probability of the true class (NaN for an uncalibrated binary trainer).</param>
public sealed record RoundMetrics(double MicroAccuracy, double MacroAccuracy, double LogLoss);
