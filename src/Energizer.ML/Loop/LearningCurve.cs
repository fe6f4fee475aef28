namespace Energizer.ML.Loop;

/// <summary>Learning-curve summaries.</summary>
public static class LearningCurve
{
    /// <summary>
    /// Normalised area under accuracy against labelled count: Σ trapezoids / (last count − first
    /// count). E.g. counts 10, 20, 40 with accuracies 0.5, 0.7, 0.8: (10·0.6 + 20·0.75) / 30 = 0.7.
    /// NaN when fewer than two rounds have evaluation metrics.
    /// </summary>
    public static double Area(IReadOnlyList<RoundReport> rounds)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        var points = rounds.Where(r => r.Metrics is not null).Select(r => (X: (double)r.LabelledCount, Y: r.Metrics!.MicroAccuracy)).ToList();
        return Area(points);
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
