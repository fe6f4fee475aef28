using System.Globalization;
using Energizer.ML.Loop;
using Spectre.Console;

namespace Energizer.ML.Samples;

/// <summary>Runs several strategies one after another with a progress bar each (plain lines when output is redirected).</summary>
public static class StrategyComparison
{
    /// <summary>Runs <paramref name="run"/> for every strategy and returns the finished runs in order.</summary>
    /// <param name="strategies">The strategies to compare.</param>
    /// <param name="rounds">Queries per strategy (the bar has one more step: the final fit).</param>
    /// <param name="output">Where progress goes.</param>
    /// <param name="run">Runs active learning for one strategy, reporting each round.</param>
    public static List<StrategyRun> Run(IReadOnlyList<StrategyChoice> strategies, int rounds, TextWriter output,
        Func<StrategyChoice, IProgress<RoundReport>, ActiveLearningResult> run)
    {
        ArgumentNullException.ThrowIfNull(strategies);
        var results = RunJobs(strategies, s => s.Name, rounds, output, run);
        return [.. strategies.Select((s, i) => new StrategyRun(s.Name, results[i]))];
    }

    /// <summary>
    /// Runs <paramref name="run"/> for every job (a strategy, a strategy and a seed...) one after
    /// another, with a progress bar each named by <paramref name="name"/>; returns the results in order.
    /// </summary>
    public static List<ActiveLearningResult> RunJobs<TJob>(IReadOnlyList<TJob> jobs, Func<TJob, string> name, int rounds, TextWriter output,
        Func<TJob, IProgress<RoundReport>, ActiveLearningResult> run)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(run);
        var results = new List<ActiveLearningResult>();
        var console = CreateConsole(output);
        bool live = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && console.Profile.Capabilities.Interactive;
        if (!live)
        {
            foreach (var job in jobs)
            {
                var progress = new SyncProgress<RoundReport>(r => output.WriteLine($"{name(job),-13} {Describe(r, rounds)}"));
                results.Add(run(job, progress));
            }
            return results;
        }
        console.Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var tasks = jobs.Select(j => context.AddTask(Markup.Escape(name(j)), autoStart: false, maxValue: rounds + 1)).ToList();
                for (int i = 0; i < tasks.Count; i++)
                {
                    var (job, task) = (jobs[i], tasks[i]);
                    task.StartTask();
                    var progress = new SyncProgress<RoundReport>(r =>
                    {
                        task.Increment(1);
                        // Short enough for an 80-column terminal next to the bar.
                        task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                            $"{name(job),-13} {r.LabelledCount,4} labels, accuracy {r.Metrics?.MicroAccuracy ?? double.NaN:F3}"));
                    });
                    results.Add(run(job, progress));
                    task.Value = task.MaxValue;
                    task.StopTask();
                }
            });
        return results;
    }

    /// <summary>One line about a round: labels, accuracy, fit and query seconds.</summary>
    public static string Describe(RoundReport report, int rounds) =>
        string.Create(CultureInfo.InvariantCulture,
            $"round {report.Round}/{rounds}: {report.LabelledCount} labels, accuracy {report.Metrics?.MicroAccuracy ?? double.NaN:F3} (fit {report.FitSeconds:F2} s, query {report.QuerySeconds:F2} s)");

    /// <summary>The console for <paramref name="output"/>: the real one, or plain text without colours for a redirected writer.</summary>
    public static IAnsiConsole CreateConsole(TextWriter output) =>
        ReferenceEquals(output, Console.Out)
            ? AnsiConsole.Console
            : AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(output),
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
            });
}
