using Energizer.ML.Loop;

namespace Energizer.ML.Samples;

/// <summary>One strategy's finished run on one seed.</summary>
/// <param name="Strategy">The strategy's name.</param>
/// <param name="Seed">The seed of the run (initial labels, learner, strategy).</param>
/// <param name="Result">What the active-learning trainer returned.</param>
public sealed record SeededStrategyRun(string Strategy, int Seed, ActiveLearningResult Result)
{
    /// <summary>(labelled count, test accuracy) of every round that was evaluated.</summary>
    public IReadOnlyList<(int Labelled, double Accuracy)> Curve =>
        [.. Result.Rounds.Where(r => r.Metrics is not null).Select(r => (r.LabelledCount, r.Metrics!.MicroAccuracy))];

    /// <summary>The last model's test accuracy (NaN when no round was evaluated).</summary>
    public double FinalAccuracy => Curve.Count == 0 ? double.NaN : Curve[^1].Accuracy;

    /// <summary>The fewest labels whose model reached <paramref name="accuracy"/>, or null.</summary>
    public int? LabelsToReach(double accuracy) => Curve.Where(p => p.Accuracy >= accuracy).Select(p => (int?)p.Labelled).FirstOrDefault();
}
