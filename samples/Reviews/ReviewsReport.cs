using System.Globalization;
using System.Text;
using Spectre.Console;

namespace ReviewsSample;

/// <summary>The outputs of a comparison: the learning-curve CSV and PNG and the summary table.</summary>
public static class ReviewsReport
{
    /// <summary>The strategy the others are measured against.</summary>
    public const string Baseline = "Random";

    /// <summary>Writes strategy,seed,round,labelled,accuracy, one line per round of every run.</summary>
    public static void WriteCsv(IReadOnlyList<SeededRun> runs, string path)
    {
        var text = new StringBuilder("strategy,seed,round,labelled,accuracy\n");
        foreach (var run in runs)
        {
            foreach (var round in run.Result.Rounds.Where(r => r.Metrics is not null))
                text.Append(CultureInfo.InvariantCulture, $"{run.Strategy},{run.Seed},{round.Round},{round.LabelledCount},{round.Metrics!.MicroAccuracy:R}\n");
        }
        File.WriteAllText(path, text.ToString());
    }

    /// <summary>Each strategy's learning curve averaged over its seeds, at the labelled counts every seed reached.</summary>
    public static IReadOnlyList<(int Labelled, double Accuracy)> MeanCurve(IEnumerable<SeededRun> runs)
    {
        var curves = runs.Select(r => r.Curve.ToDictionary(p => p.Labelled, p => p.Accuracy)).ToList();
        if (curves.Count == 0) return [];
        return [.. curves[0].Keys.Where(n => curves.All(c => c.ContainsKey(n))).Order().Select(n => (n, curves.Average(c => c[n])))];
    }

    /// <summary>The fewest labels whose (mean) accuracy reached <paramref name="accuracy"/>, or null.</summary>
    public static int? LabelsToReach(IReadOnlyList<(int Labelled, double Accuracy)> curve, double accuracy) =>
        curve.Where(p => p.Accuracy >= accuracy).Select(p => (int?)p.Labelled).FirstOrDefault();

    /// <summary>Plots each strategy's mean test accuracy against labelled count as a PNG.</summary>
    public static void WritePng(IReadOnlyList<SeededRun> runs, string path, string title)
    {
        var plot = new ScottPlot.Plot();
        foreach (var group in runs.GroupBy(r => r.Strategy))
        {
            var curve = MeanCurve(group);
            var line = plot.Add.Scatter(curve.Select(p => (double)p.Labelled).ToArray(), curve.Select(p => p.Accuracy).ToArray());
            line.LegendText = group.Key;
            line.LineWidth = 2;
            line.MarkerSize = 4;
        }
        plot.Title(title);
        plot.XLabel("Labelled reviews");
        plot.YLabel("Test accuracy" + (runs.Select(r => r.Seed).Distinct().Count() > 1 ? " (mean over seeds)" : ""));
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        plot.SavePng(path, 900, 560);
    }

    /// <summary>
    /// The summary, per strategy over its seeds: final accuracy and mean accuracy over rounds (means over seeds), labels
    /// the mean curve needed to reach Random's final mean accuracy and the share of Random's labels
    /// that saves, the same per seed, and the mean query time.
    /// </summary>
    public static Table Table(IReadOnlyList<SeededRun> runs)
    {
        var baseline = runs.Where(r => r.Strategy == Baseline).ToList();
        var baselineCurve = MeanCurve(baseline);
        double? target = baselineCurve.Count == 0 ? null : baselineCurve[^1].Accuracy;
        int? baselineLabels = baselineCurve.Count == 0 ? null : baselineCurve[^1].Labelled;
        var table = new Table().Title("Active learning on fine-food reviews (test accuracy)")
            .Caption(target is null
                ? "Final and Mean acc.: means over seeds."
                : string.Create(CultureInfo.InvariantCulture, $"Labels for R: labels the mean curve needed to reach Random's final mean accuracy {target:F4} ({baselineLabels} labels); Saved: the share of those {baselineLabels} labels saved; Per seed: the same against Random's final accuracy on each seed."))
            .AddColumn("Strategy")
            .AddColumn(new TableColumn("Seeds").RightAligned())
            .AddColumn(new TableColumn("Final").RightAligned())
            .AddColumn(new TableColumn("Mean acc.").RightAligned())
            .AddColumn(new TableColumn("Labels for R").RightAligned())
            .AddColumn(new TableColumn("Saved").RightAligned())
            .AddColumn(new TableColumn("Per seed").RightAligned())
            .AddColumn(new TableColumn("Query s").RightAligned());
        foreach (var group in runs.GroupBy(r => r.Strategy))
        {
            var curve = MeanCurve(group);
            int? reached = target is { } t ? LabelsToReach(curve, t) : null;
            var perSeed = group.Select(run =>
            {
                var own = baseline.FirstOrDefault(b => b.Seed == run.Seed)?.Curve;
                return own is null || own.Count == 0 ? "-" : Reached(LabelsToReach(run.Curve, own[^1].Accuracy));
            });
            table.AddRow(
                group.Key,
                group.Count().ToString(CultureInfo.InvariantCulture),
                (curve.Count == 0 ? double.NaN : curve[^1].Accuracy).ToString("F4", CultureInfo.InvariantCulture),
                group.Average(r => r.Result.MeanAccuracy).ToString("F4", CultureInfo.InvariantCulture),
                target is null ? "-" : Reached(reached),
                group.Key != Baseline && reached is { } n && baselineLabels is { } b ? (1 - (double)n / b).ToString("P0", CultureInfo.InvariantCulture) : "-",
                string.Join(" ", perSeed),
                group.Average(r => r.MeanQuerySeconds).ToString("F3", CultureInfo.InvariantCulture));
        }
        return table;
    }

    private static string Reached(int? labels) => labels?.ToString(CultureInfo.InvariantCulture) ?? "not reached";
}
