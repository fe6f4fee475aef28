using System.Globalization;
using System.Text;
using Spectre.Console;

namespace Energizer.ML.Samples;

/// <summary>
/// A comparison over several seeds: per strategy, the mean ± standard deviation over seeds of the
/// mean accuracy over rounds and of the final accuracy, the paired difference to Random's mean
/// accuracy on the same seed, and the labels each seed needed to reach Random's final accuracy on
/// that seed, so that a reader sees whether a gap is larger than the noise between seeds.
/// </summary>
public static class SeedSummary
{
    /// <summary>The strategy the others are measured against.</summary>
    public const string Baseline = "Random";

    /// <summary>Mean and sample standard deviation (n − 1; 0 for one value).</summary>
    public static (double Mean, double Sd) MeanSd(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) return (double.NaN, double.NaN);
        double mean = values.Average();
        double sd = values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return (mean, sd);
    }

    /// <summary>Writes learning-curves.csv (strategy,seed,round,labelled,accuracy) into <paramref name="directory"/>; returns its path.</summary>
    public static string WriteCsv(IReadOnlyList<SeededStrategyRun> runs, string directory)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var text = new StringBuilder("strategy,seed,round,labelled,accuracy\n");
        foreach (var run in runs)
        {
            foreach (var round in run.Result.Rounds.Where(r => r.Metrics is not null))
                text.Append(CultureInfo.InvariantCulture, $"{run.Strategy},{run.Seed},{round.Round},{round.LabelledCount},{round.Metrics!.MicroAccuracy:R}\n");
        }
        string path = Path.Combine(directory, "learning-curves.csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>The table: one row per strategy, figures over its seeds.</summary>
    public static Table Table(IReadOnlyList<SeededStrategyRun> runs, string title)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var baseline = runs.Where(r => r.Strategy == Baseline).ToDictionary(r => r.Seed);
        var table = new Table().Title(title)
            .Caption($"Mean ± sd over seeds. Δ vs Random: the per-seed difference of the mean accuracy over rounds to Random's on the same seed, "
                + "and on how many seeds it is ≥ 0. Labels for R: per seed, the labels the strategy needed to reach Random's final accuracy on that seed "
                + "(- where it did not), and Random's own label count.")
            .AddColumn("Strategy")
            .AddColumn(new TableColumn("Seeds").RightAligned())
            .AddColumn(new TableColumn("Mean acc.").RightAligned())
            .AddColumn(new TableColumn("Final acc.").RightAligned())
            .AddColumn(new TableColumn("Δ vs Random").RightAligned())
            .AddColumn(new TableColumn("Labels for R").RightAligned());
        foreach (var group in runs.GroupBy(r => r.Strategy))
        {
            var seeded = group.OrderBy(r => r.Seed).ToList();
            var paired = seeded.Where(r => baseline.ContainsKey(r.Seed)).ToList();
            var differences = paired.Select(r => r.Result.MeanAccuracy - baseline[r.Seed].Result.MeanAccuracy).ToList();
            string delta = group.Key == Baseline || differences.Count == 0
                ? "-"
                : $"{Format(MeanSd(differences))} ({differences.Count(d => d >= 0)}/{differences.Count})";
            string labels = paired.Count == 0
                ? "-"
                : string.Join(" ", paired.Select(r => r.LabelsToReach(baseline[r.Seed].FinalAccuracy)?.ToString(CultureInfo.InvariantCulture) ?? "-"))
                  + $" of {string.Join(" ", paired.Select(r => baseline[r.Seed].Curve.Count == 0 ? "-" : baseline[r.Seed].Curve[^1].Labelled.ToString(CultureInfo.InvariantCulture)).Distinct())}";
            table.AddRow(
                Markup.Escape(group.Key),
                seeded.Count.ToString(CultureInfo.InvariantCulture),
                Format(MeanSd([.. seeded.Select(r => r.Result.MeanAccuracy)])),
                Format(MeanSd([.. seeded.Select(r => r.FinalAccuracy)])),
                Markup.Escape(delta),
                Markup.Escape(labels));
        }
        return table;
    }

    private static string Format((double Mean, double Sd) value) =>
        string.Create(CultureInfo.InvariantCulture, $"{value.Mean:F4} ± {value.Sd:F4}");
}
