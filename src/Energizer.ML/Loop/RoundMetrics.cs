namespace Energizer.ML.Loop;

/// <summary>Multiclass metrics of one model on one data set (from MulticlassClassification.Evaluate).</summary>
/// <param name="MicroAccuracy">Fraction of rows predicted right.</param>
/// <param name="MacroAccuracy">Mean over classes of each class's accuracy.</param>
/// <param name="LogLoss">Mean negative log-probability of the true class.</param>
public sealed record RoundMetrics(double MicroAccuracy, double MacroAccuracy, double LogLoss);
