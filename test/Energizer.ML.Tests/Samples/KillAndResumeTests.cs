using System.Diagnostics;

namespace Energizer.ML.Tests.Samples;

/// <summary>
/// The loop's checkpoints against the worst case: a child process running the Digits sample is
/// killed with SIGKILL mid-run, started again with the same options, and must end with the same
/// labels and history as an uninterrupted run.
/// </summary>
[TestClass]
public sealed class KillAndResumeTests
{
    private static readonly string[] Common =
        ["--strategies", "Margin", "--rounds", "6", "--query-size", "10", "--epochs", "30", "--seed", "4", "--threads", "1"];

    private static Process Start(string outDirectory, string? checkpoint)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Digits.dll"));
        foreach (string a in Common) start.ArgumentList.Add(a);
        start.ArgumentList.Add("--data");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "data", "digits.csv"));
        start.ArgumentList.Add("--out");
        start.ArgumentList.Add(outDirectory);
        if (checkpoint is not null)
        {
            start.ArgumentList.Add("--checkpoint");
            start.ArgumentList.Add(checkpoint);
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void RunToEnd(string outDirectory, string? checkpoint)
    {
        using var process = Start(outDirectory, checkpoint);
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(5)), "the sample finishes");
        Assert.AreEqual(0, process.ExitCode, "the sample succeeds");
    }

    /// <summary>The history without its six timing columns (FitSeconds ... LabelSeconds, columns 8-13).</summary>
    private static string[] History(string outDirectory) =>
        [.. File.ReadAllLines(Path.Combine(outDirectory, "history-Margin.csv")).Select(line =>
        {
            var cells = line.Split(',');
            return string.Join(',', cells.Take(8).Concat(cells.Skip(14)));
        })];

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public void KilledRunResumesToTheUninterruptedRunsLabelsAndHistory()
    {
        string root = Directory.CreateTempSubdirectory("energizer-kill-").FullName;
        try
        {
            string reference = Path.Combine(root, "reference");
            RunToEnd(reference, checkpoint: null);

            string resumed = Path.Combine(root, "resumed");
            string checkpoints = Path.Combine(root, "checkpoints");
            string state = Path.Combine(checkpoints, "Margin", "energizer-checkpoint.json");
            using (var victim = Start(resumed, checkpoints))
            {
                // Kill once round 2 is under way: some rounds done, some labels of the next pending.
                var clock = Stopwatch.StartNew();
                while (!victim.HasExited && clock.Elapsed < TimeSpan.FromMinutes(5))
                {
                    string text = "";
                    try
                    {
                        if (File.Exists(state)) text = File.ReadAllText(state);
                    }
                    catch (IOException)
                    {
                        // The file is being replaced; read it on the next turn.
                    }
                    if (text.Contains("\"Round\": 2", StringComparison.Ordinal)) break;
                    Thread.Sleep(5);
                }
                Assert.IsFalse(victim.HasExited, "the run was still going when it was killed");
                victim.Kill(entireProcessTree: true); // SIGKILL: no cleanup runs
                victim.WaitForExit();
            }
            Assert.IsFalse(File.Exists(Path.Combine(resumed, "history-Margin.csv")), "the killed run wrote no final outputs");

            RunToEnd(resumed, checkpoints);
            CollectionAssert.AreEqual(File.ReadAllLines(Path.Combine(reference, "labels-Margin.csv")), File.ReadAllLines(Path.Combine(resumed, "labels-Margin.csv")));
            CollectionAssert.AreEqual(History(reference), History(resumed));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }
}
