using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Energizer.ML.Labelling;
using Energizer.ML.Loop;
using Microsoft.ML;

namespace Energizer.ML.Tests.Labelling;

/// <summary>
/// 20 clients answer one 300-row query at once through the HTTP API on loopback, with a
/// checkpoint written after every answer: no 5xx, nothing lost or doubled, the loop's labels are
/// exactly the answers sent. The rate is printed (README, "Label in the browser"), never asserted.
/// </summary>
[TestClass]
public sealed class LabellingLoadTests
{
    private const int Clients = 20;
    private const int Rows = 300;

    public TestContext TestContext { get; set; } = null!;

    /// <summary>The answer a client gives for row r: the digit r mod 10 (what is sent is what must be kept).</summary>
    private static string AnswerFor(long row) => (row % 10).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task TwentyClientsAnswerAQueryWithNothingLostOrDoubled()
    {
        var ml = new MLContext(1);
        var (pool, _, _) = LabellingPools.Digits(ml, 400, 0);
        using var checkpoint = new TemporaryDirectory("energizer-load-");
        var web = new WebOracleOptions();
        foreach (var c in LabellingPools.DigitClasses()) web.Classes.Add(c);
        await using var run = await LabellingRun.StartAsync(pool, LabellingPools.DigitLearner(ml),
            new ActiveLearningOptions { InitialLabelledCount = Rows, MaxRounds = 0, Seed = 9, CheckpointDirectory = checkpoint.Path }, web);
        var baseAddress = new Uri(run.Oracle.Url.GetLeftPart(UriPartial.Authority));

        var sent = new ConcurrentDictionary<long, string>();
        var statuses = new ConcurrentBag<HttpStatusCode>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            using var http = new HttpClient { BaseAddress = baseAddress };
            http.DefaultRequestHeaders.Add(WebOracle.TokenHeader, run.Oracle.Token);
            string page = $"client{client}";
            while (true)
            {
                using var stateResponse = await http.GetAsync($"/api/state?page={page}");
                statuses.Add(stateResponse.StatusCode);
                using var state = JsonDocument.Parse(await stateResponse.Content.ReadAsStringAsync());
                string kind = state.RootElement.GetProperty("kind").GetString()!;
                if (kind is "training" or "finished" && sent.Count == Rows) return;
                if (kind != "labelling")
                {
                    await Task.Delay(20);
                    continue;
                }
                long row = state.RootElement.GetProperty("item").GetProperty("rowId").GetInt64();
                using var answer = await http.PostAsJsonAsync("/api/answer", new { page, rowId = row, label = AnswerFor(row) });
                statuses.Add(answer.StatusCode);
                Assert.AreEqual(HttpStatusCode.OK, answer.StatusCode, await answer.Content.ReadAsStringAsync());
                Assert.IsTrue(sent.TryAdd(row, AnswerFor(row)), $"row {row} was handed out and saved twice");
            }
        })));
        double seconds = clock.Elapsed.TotalSeconds;
        var result = await run.FinishedAsync();

        Assert.IsFalse(statuses.Any(s => (int)s >= 500), "no 5xx");
        CollectionAssert.AreEquivalent(run.Recorder.Queries.Single().RowIds.ToList(), sent.Keys.ToList(), "every queried row answered once");
        CollectionAssert.AreEquivalent(sent.ToDictionary(kv => kv.Key, kv => float.Parse(kv.Value, System.Globalization.CultureInfo.InvariantCulture)),
            result.GetLabels<float>().ToDictionary(), "the loop kept exactly what was sent");
        Assert.IsEmpty(result.Rounds.SelectMany(r => r.Rejections));
        TestContext.WriteLine($"{Rows} answers from {Clients} clients in {seconds:F2} s: {Rows / seconds:F0} answers/s, each checkpointed before its reply "
            + $"({Environment.ProcessorCount} cores).");
    }
}
