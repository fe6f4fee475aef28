namespace Energizer.ML.Loop;

/// <summary>Learning-curve summaries (see <see cref="LearningCurveSummary"/> for the definitions).</summary>
public static class LearningCurve
{
    /// <summary>
    /// Normalised area under accuracy against labelled count: Σ trapezoids / (last count − first
    /// count). E.g. counts 10, 20, 40 with accuracies 0.5, 0.7, 0.8: (10·0.6 + 20·0.75) / 30 = 0.7.
    /// NaN when fewer than two rounds have evaluation metrics. The same as
    /// <see cref="Summarize"/> with <see cref="LearningCurveSummary.TrapezoidArea"/>.
    /// </summary>
    public static double Area(IReadOnlyList<RoundReport> rounds) => Summarize(rounds, LearningCurveSummary.TrapezoidArea);

    /// <summary>
    /// The learning curve of <paramref name="rounds"/> (rounds with evaluation metrics) as one
    /// number. NaN when no point is left (or fewer than two, for the trapezoid areas).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="summary"/> is not a defined value.</exception>
    public static double Summarize(IReadOnlyList<RoundReport> rounds, LearningCurveSummary summary)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        if (!Enum.IsDefined(summary)) throw new ArgumentOutOfRangeException(nameof(summary), summary, "Unknown learning-curve summary.");
        bool afterInitial = summary is LearningCurveSummary.MeanAccuracyAfterInitial or LearningCurveSummary.TrapezoidAreaAfterInitial;
        var points = rounds
            .Where(r => r.Metrics is not null && !(afterInitial && r.Round == 0))
            .Select(r => (X: (double)r.LabelledCount, Y: r.Metrics!.MicroAccuracy))
            .ToList();
        return summary is LearningCurveSummary.MeanAccuracy or LearningCurveSummary.MeanAccuracyAfterInitial
            ? points.Count == 0 ? double.NaN : points.Average(p => p.Y)
            : Area(points);
    }

    /// <summary>The normalised trapezoid area of (x, y) points sorted by x.</summary>
    public static double Area(IReadOnlyList<(double X, double Y)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count < 2) return double.NaN;
        double area = 0;
        for (int i = 1; i < points.Count; i++) area += (points[i].X - points[i - 1].X) * (points[i].Y + points[i - 1].Y) / 2;
        double width = points[^1].X - points[0].X;
        return width > 0 ? area / width : points.Average(p => p.Y);
    }
}
