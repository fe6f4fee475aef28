using System.Diagnostics;
using System.Text.Json;
using Energizer.ML.Labelling;
using Microsoft.Playwright;

namespace Energizer.ML.Tests.Labelling;

/// <summary>
/// The Digits sample with <c>--web</c> in a child process: 5 digits answered in the browser, the
/// process killed with SIGKILL, the same command run again: the page offers the same query minus
/// the 5 answered rows, and the 5 labels are kept.
/// </summary>
[TestClass]
public sealed class LabellingKillResumeTests
{
    public TestContext TestContext { get; set; } = null!;

    private sealed class WebSample : IDisposable
    {
        private readonly Process _process;
        private readonly TaskCompletionSource<Uri> _url = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<string> _output = [];

        public WebSample(string outDirectory)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string argument in new[]
            {
                "exec", Path.Combine(AppContext.BaseDirectory, "Digits.dll"), "--web", "--strategies", "Margin", "--rounds", "1", "--initial", "10",
                "--epochs", "5", "--threads", "1", "--data", Path.Combine(AppContext.BaseDirectory, "data", "digits.csv"), "--out", outDirectory,
            })
            {
                start.ArgumentList.Add(argument);
            }
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (_output) _output.Add(e.Data);
                const string Prefix = "Label in your browser: ";
                if (e.Data.StartsWith(Prefix, StringComparison.Ordinal)) _url.TrySetResult(new Uri(e.Data[Prefix.Length..]));
            };
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null) lock (_output) _output.Add(e.Data);
            };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public async Task<Uri> UrlAsync()
        {
            var first = await Task.WhenAny(_url.Task, _process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(2)));
            if (first != _url.Task) Assert.Fail("the sample printed no URL:\n" + string.Join('\n', _output));
            return await _url.Task;
        }

        /// <summary>SIGKILL: no cleanup runs.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        public void Dispose()
        {
            if (!_process.HasExited) Kill();
            _process.Dispose();
        }
    }

    /// <summary>The open query's rows, once the loop has opened it (the server starts first).</summary>
    private static async Task<(List<long> Remaining, List<long> Answered)> QueryAsync(Uri url, string token)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url.GetLeftPart(UriPartial.Authority)) };
        http.DefaultRequestHeaders.Add(WebOracle.TokenHeader, token);
        for (var clock = Stopwatch.StartNew(); ; await Task.Delay(50))
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync("/api/query"));
            if (json.RootElement.GetProperty("round").ValueKind == JsonValueKind.Null && clock.Elapsed < TimeSpan.FromMinutes(1)) continue;
            List<long> Ids(string name) => [.. json.RootElement.GetProperty(name).EnumerateArray().Select(e => e.GetInt64())];
            return (Ids("remaining"), Ids("answered"));
        }
    }

    private static string TokenOf(Uri url) => System.Web.HttpUtility.ParseQueryString(url.Query)["token"]!;

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task AKilledServerResumesWithTheAnswersKeptAndTheSameRemainingQuery()
    {
        using var outDirectory = new TemporaryDirectory("energizer-web-kill-");
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;

        List<long> query;
        var answered = new Dictionary<long, string>();
        using (var first = new WebSample(outDirectory.Path))
        {
            var url = await first.UrlAsync();
            await using var page = await WatchedPage.OpenAsync(browser, url, TestContext, "before-kill");
            await page.RowAsync();
            query = (await QueryAsync(url, TokenOf(url))).Remaining;
            Assert.HasCount(10, query);
            for (int i = 0; i < 5; i++)
            {
                long row = await page.RowAsync();
                // The digit shown is not checked here: whatever is answered must survive the kill.
                string digit = (i * 3 % 10).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await page.Page.Keyboard.PressAsync(digit);
                await page.Page.WaitForFunctionAsync("m => document.getElementById('message').textContent === m", $"Row {row} saved as {digit}.");
                answered[row] = digit;
                await page.LeftRowAsync(row);
            }
            Assert.IsEmpty(page.Errors, string.Join("\n", page.Errors));
            first.Kill();
        }

        using var second = new WebSample(outDirectory.Path);
        var again = await second.UrlAsync();
        var (remaining, answeredNow) = await QueryAsync(again, TokenOf(again));
        CollectionAssert.AreEqual(query.Where(id => !answered.ContainsKey(id)).ToList(), remaining, "the same query, in the same order, minus the answered rows");
        Assert.IsEmpty(answeredNow);
        await using var resumed = await WatchedPage.OpenAsync(browser, again, TestContext, "after-kill");
        Assert.AreEqual(remaining[0], await resumed.RowAsync());
        Assert.AreEqual("Initial labels · 5 labelled · 5 of 5 left in this query", await resumed.Page.TextContentAsync("#progress"));
        Assert.IsEmpty(resumed.Errors, string.Join("\n", resumed.Errors));

        // The checkpoint holds the five answers as they were given.
        string text = File.ReadAllText(Path.Combine(outDirectory.Path, "checkpoint-Margin", "energizer-checkpoint.json"));
        using var json = JsonDocument.Parse(text[(text.IndexOf('\n', StringComparison.Ordinal) + 1)..]);
        var kept = json.RootElement.GetProperty("Labels").EnumerateArray()
            .ToDictionary(l => l.GetProperty("RowId").GetInt64(), l => l.GetProperty("Label").GetString()!);
        CollectionAssert.AreEquivalent(answered, kept);
    }
}
