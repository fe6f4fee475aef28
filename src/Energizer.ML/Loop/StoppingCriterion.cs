namespace Energizer.ML.Loop;

/// <summary>
/// Decides, after a round's fit and query, that more labels are not worth their cost. Checked
/// before the oracle is asked, so a firing criterion costs no labels.
/// </summary>
public abstract class StoppingCriterion
{
    /// <summary>A short name for reports.</summary>
    public abstract string Name { get; }

    /// <summary>True when the trainer must hold out validation rows for this criterion.</summary>
    public virtual bool NeedsValidation => false;

    /// <summary>The stop-set size when the trainer must predict a fixed stop set each round, else 0.</summary>
    public virtual int StopSetSize => 0;

    /// <summary>Returns why to stop, or null to go on. <paramref name="history"/> ends with the current round.</summary>
    public abstract string? Check(IReadOnlyList<RoundReport> history);

    /// <summary>
    /// Stops when validation micro-accuracy has not improved by more than <paramref name="minDelta"/>
    /// over the best earlier value for <paramref name="patience"/> rounds. Needs
    /// <see cref="ActiveLearningOptions.ValidationFraction"/> &gt; 0.
    /// </summary>
    public static StoppingCriterion MetricPlateau(int patience = 3, double minDelta = 0.001) => new MetricPlateauCriterion(patience, minDelta);

    /// <summary>
    /// Stabilizing predictions (Bloodgood and Vijay-Shanker, 2009): stops when Cohen's kappa between
    /// consecutive models' predictions on a fixed stop set of unlabelled rows averages at least
    /// <paramref name="threshold"/> over the last <paramref name="window"/> rounds.
    /// </summary>
    public static StoppingCriterion StabilizingPredictions(double threshold = 0.99, int window = 3, int stopSetSize = 1000) =>
        new StabilizingPredictionsCriterion(threshold, window, stopSetSize);

    /// <summary>Stops when the mean acquisition score of the rows just selected is below <paramref name="threshold"/>.</summary>
    public static StoppingCriterion UncertaintyBelow(double threshold) => new UncertaintyCriterion(threshold);

    /// <inheritdoc />
    public override string ToString() => Name;

    private sealed class MetricPlateauCriterion : StoppingCriterion
    {
        private readonly int _patience;
        private readonly double _minDelta;

        public MetricPlateauCriterion(int patience, double minDelta)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
            ArgumentOutOfRangeException.ThrowIfNegative(minDelta);
            _patience = patience;
            _minDelta = minDelta;
        }

        public override string Name => $"MetricPlateau(patience={_patience}, minDelta={_minDelta})";

        public override bool NeedsValidation => true;

        public override string? Check(IReadOnlyList<RoundReport> history)
        {
            var values = history.Select(r => r.ValidationMetrics?.MicroAccuracy).ToList();
            if (values.Count <= _patience || values.Any(v => v is null)) return null;
            double bestBefore = values.Take(values.Count - _patience).Max(v => v!.Value);
            double recentBest = values.Skip(values.Count - _patience).Max(v => v!.Value);
            return recentBest - bestBefore > _minDelta
                ? null
                : $"validation accuracy has not improved by more than {_minDelta} for {_patience} rounds (best {bestBefore:F4}, since then {recentBest:F4})";
        }
    }

    private sealed class StabilizingPredictionsCriterion : StoppingCriterion
    {
        private readonly double _threshold;
        private readonly int _window;
        private readonly int _stopSetSize;

        public StabilizingPredictionsCriterion(double threshold, int window, int stopSetSize)
        {
            if (threshold is <= -1 or > 1) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Kappa thresholds lie in (-1, 1].");
            ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(stopSetSize, 1);
            _threshold = threshold;
            _window = window;
            _stopSetSize = stopSetSize;
        }

        public override string Name => $"StabilizingPredictions(kappa>={_threshold}, window={_window})";

        public override int StopSetSize => _stopSetSize;

        public override string? Check(IReadOnlyList<RoundReport> history)
        {
            var kappas = history.Select(r => r.StopSetKappa).Where(k => k is not null).Select(k => k!.Value).ToList();
            if (kappas.Count < _window) return null;
            double mean = kappas.Skip(kappas.Count - _window).Average();
            return mean >= _threshold ? $"predictions on the stop set are stable (mean kappa {mean:F4} over {_window} rounds)" : null;
        }
    }

    private sealed class UncertaintyCriterion(double threshold) : StoppingCriterion
    {
        public override string Name => $"UncertaintyBelow({threshold})";

        public override string? Check(IReadOnlyList<RoundReport> history)
        {
            var scores = history[^1].SelectedScores;
            if (scores.Count == 0) return null;
            double mean = scores.Average(s => (double)s);
            return mean < threshold ? $"mean acquisition score of the selected rows {mean:G4} is below {threshold}" : null;
        }
    }
}
