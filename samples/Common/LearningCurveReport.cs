using System.Globalization;
using System.Text;
using Spectre.Console;

namespace Energizer.ML.Samples;

/// <summary>The outputs of a comparison: the learning-curve CSV and PNG and the summary table.</summary>
public static class LearningCurveReport
{
    /// <summary>Writes strategy,round,labelled,accuracy, one line per round of every strategy.</summary>
    public static void WriteCsv(IReadOnlyList<StrategyRun> runs, string path)
    {
        var text = new StringBuilder("strategy,round,labelled,accuracy\n");
        foreach (var run in runs)
        {
            foreach (var round in run.Result.Rounds.Where(r => r.Metrics is not null))
                text.Append(CultureInfo.InvariantCulture, $"{run.Name},{round.Round},{round.LabelledCount},{round.Metrics!.MicroAccuracy:R}\n");
        }
        File.WriteAllText(path, text.ToString());
    }

    /// <summary>Plots test accuracy against labelled count, one line per strategy, as a PNG.</summary>
    public static void WritePng(IReadOnlyList<StrategyRun> runs, string path, string title)
    {
        var plot = new ScottPlot.Plot();
        foreach (var run in runs)
        {
            var points = run.Result.Rounds.Where(r => r.Metrics is not null).ToList();
            var line = plot.Add.Scatter(
                points.Select(r => (double)r.LabelledCount).ToArray(),
                points.Select(r => r.Metrics!.MicroAccuracy).ToArray());
            line.LegendText = run.Name;
            line.LineWidth = 2;
            line.MarkerSize = 4;
        }
        plot.Title(title);
        plot.XLabel("Labelled examples");
        plot.YLabel("Test accuracy");
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        plot.SavePng(path, 900, 560);
    }

    /// <summary>
    /// Writes the comparison into <paramref name="directory"/>: learning-curves.csv and .png, and
    /// each strategy's history and labels; returns the paths of the CSV and the PNG.
    /// </summary>
    public static (string Csv, string Png) WriteAll(IReadOnlyList<StrategyRun> runs, string directory, string title)
    {
        string csv = Path.Combine(directory, "learning-curves.csv");
        string png = Path.Combine(directory, "learning-curves.png");
        WriteCsv(runs, csv);
        WritePng(runs, png, title);
        foreach (var run in runs)
        {
            run.Result.SaveHistoryCsv(Path.Combine(directory, $"history-{run.Name}.csv"));
            run.Result.SaveLabelsCsv(Path.Combine(directory, $"labels-{run.Name}.csv"));
        }
        return (csv, png);
    }

    /// <summary>The summary: labels needed for 90% and 95% test accuracy, mean accuracy over rounds (<c>ActiveLearningResult.MeanAccuracy</c>), final accuracy, mean query time.</summary>
    public static Table Table(IReadOnlyList<StrategyRun> runs, string title)
    {
        var table = new Table().Title(title)
            .AddColumn("Strategy")
            .AddColumn(new TableColumn("Labels for 90%").RightAligned())
            .AddColumn(new TableColumn("Labels for 95%").RightAligned())
            .AddColumn(new TableColumn("Mean acc.").RightAligned())
            .AddColumn(new TableColumn("Final accuracy").RightAligned())
            .AddColumn(new TableColumn("Mean query (s)").RightAligned());
        foreach (var run in runs)
        {
            table.AddRow(
                run.Name,
                Reached(run.LabelsToReach(0.90)),
                Reached(run.LabelsToReach(0.95)),
                run.Result.MeanAccuracy.ToString("F4", CultureInfo.InvariantCulture),
                run.FinalAccuracy.ToString("F4", CultureInfo.InvariantCulture),
                run.MeanQuerySeconds.ToString("F3", CultureInfo.InvariantCulture));
        }
        return table;
    }

    private static string Reached(int? labels) => labels?.ToString(CultureInfo.InvariantCulture) ?? "not reached";
}
