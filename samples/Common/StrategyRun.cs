using Energizer.ML.Loop;

namespace Energizer.ML.Samples;

/// <summary>One strategy's finished run and its summary figures.</summary>
/// <param name="Name">The strategy's name.</param>
/// <param name="Result">What the active-learning trainer returned.</param>
public sealed record StrategyRun(string Name, ActiveLearningResult Result)
{
    /// <summary>The fewest labels whose model reached <paramref name="accuracy"/> on the test set, or null.</summary>
    public int? LabelsToReach(double accuracy) =>
        Result.Rounds.FirstOrDefault(r => r.Metrics is { } m && m.MicroAccuracy >= accuracy)?.LabelledCount;

    /// <summary>Mean seconds per query (scoring the pool and selecting), over the rounds that queried.</summary>
    public double MeanQuerySeconds => Result.MeanQuerySeconds;

    /// <summary>The last model's test accuracy.</summary>
    public double FinalAccuracy => Result.Rounds.LastOrDefault(r => r.Metrics is not null)?.Metrics?.MicroAccuracy ?? double.NaN;
}
