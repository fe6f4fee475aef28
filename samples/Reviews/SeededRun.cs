using Energizer.ML.Loop;

namespace ReviewsSample;

/// <summary>One strategy's finished run on one seed.</summary>
/// <param name="Strategy">The strategy's name.</param>
/// <param name="Seed">The seed of the initial labels, the learner and the strategy.</param>
/// <param name="Result">What the active-learning trainer returned.</param>
public sealed record SeededRun(string Strategy, int Seed, ActiveLearningResult Result)
{
    /// <summary>(labelled count, test accuracy) of every round that was evaluated.</summary>
    public IReadOnlyList<(int Labelled, double Accuracy)> Curve =>
        [.. Result.Rounds.Where(r => r.Metrics is not null).Select(r => (r.LabelledCount, r.Metrics!.MicroAccuracy))];

    /// <summary>Mean seconds per query (scoring the pool and selecting), over the rounds that queried.</summary>
    public double MeanQuerySeconds => Result.MeanQuerySeconds;
}
