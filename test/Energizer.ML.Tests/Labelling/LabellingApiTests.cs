using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Energizer.ML.Acquisition;
using Energizer.ML.Labelling;
using Energizer.ML.Loop;
using Microsoft.ML;

namespace Energizer.ML.Tests.Labelling;

/// <summary>The labelling server's safety rules over plain HTTP: token, POST-only answers, escaped classes, size limits, messages for bad input.</summary>
[TestClass]
public sealed class LabellingApiTests
{
    private static LabellingRun s_run = null!;
    private static HttpClient s_client = null!;
    private static long s_queried;

    [ClassInitialize]
    public static async Task StartServer(TestContext _)
    {
        var ml = new MLContext(1);
        var (pool, _, _) = LabellingPools.Digits(ml, 60, 0);
        var web = new WebOracleOptions { Renderer = RowRenderer.PixelImage("Features", 8, 8) };
        foreach (var c in LabellingPools.DigitClasses()) web.Classes.Add(c);
        s_run = await LabellingRun.StartAsync(pool, LabellingPools.DigitLearner(ml),
            new ActiveLearningOptions { Strategy = AcquisitionStrategy.Margin, InitialLabelledCount = 5, MaxRounds = 0, Seed = 2 }, web);
        s_client = new HttpClient { BaseAddress = new Uri(s_run.Oracle.Url.GetLeftPart(UriPartial.Authority)) };
        s_client.DefaultRequestHeaders.Add(WebOracle.TokenHeader, s_run.Oracle.Token);
        // The query is open once the page's state offers a row.
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(30); await Task.Delay(50))
        {
            using var state = JsonDocument.Parse(await s_client.GetStringAsync("/api/state?page=probe"));
            if (state.RootElement.GetProperty("kind").GetString() == "labelling")
            {
                s_queried = state.RootElement.GetProperty("item").GetProperty("rowId").GetInt64();
                return;
            }
        }
        Assert.Fail("the query never opened");
    }

    [ClassCleanup]
    public static async Task StopServer()
    {
        s_client.Dispose();
        await s_run.DisposeAsync();
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpRequestMessage request, string? token)
    {
        using var client = new HttpClient { BaseAddress = s_client.BaseAddress };
        if (token is not null) request.Headers.Add(WebOracle.TokenHeader, token);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [TestMethod]
    public async Task AWrongOrMissingTokenGets401AndNoData()
    {
        string wrong = new('0', s_run.Oracle.Token.Length);
        var requests = new Func<HttpRequestMessage>[]
        {
            () => new HttpRequestMessage(HttpMethod.Get, "/?token=" + wrong),
            () => new HttpRequestMessage(HttpMethod.Get, "/"),
            () => new HttpRequestMessage(HttpMethod.Get, "/api/state?page=p1"),
            () => new HttpRequestMessage(HttpMethod.Get, "/api/query"),
            () => new HttpRequestMessage(HttpMethod.Post, "/api/answer") { Content = JsonContent.Create(new { page = "p1", rowId = s_queried, label = "3" }) },
        };
        foreach (string? token in new[] { wrong, null })
        {
            foreach (var make in requests)
            {
                var (status, body) = await SendAsync(make(), token);
                Assert.AreEqual(HttpStatusCode.Unauthorized, status, $"{make().RequestUri} with token {token ?? "(none)"}");
                Assert.AreEqual("", body);
            }
        }
        // The token in the URL opens the page only, never the API.
        var (apiStatus, _) = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/query?token=" + s_run.Oracle.Token), null);
        Assert.AreEqual(HttpStatusCode.Unauthorized, apiStatus);
        Assert.AreEqual(s_run.Oracle.Token, System.Web.HttpUtility.ParseQueryString(s_run.Oracle.Url.Query)["token"]);
        Assert.AreEqual("127.0.0.1", s_run.Oracle.Url.Host, "loopback by default");
    }

    [TestMethod]
    public async Task ThePageCarriesAStrictContentSecurityPolicyAndNoReferrer()
    {
        using var response = await s_client.GetAsync("/?token=" + s_run.Oracle.Token);
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        string policy = response.Headers.GetValues("Content-Security-Policy").Single();
        StringAssert.StartsWith(policy, "default-src 'none'; script-src 'nonce-");
        Assert.AreEqual("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        string html = await response.Content.ReadAsStringAsync();
        Assert.Contains($"<script nonce=\"{policy.Split("'nonce-")[1].Split('\'')[0]}\">", html);
    }

    [TestMethod]
    public async Task BadAnswersGet400WithAMessageAndNoLabelGoesThroughAGet()
    {
        async Task<(HttpStatusCode, string?)> Post(object body)
        {
            using var response = await s_client.PostAsJsonAsync("/api/answer", body);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return (response.StatusCode, json.RootElement.GetProperty("message").GetString());
        }
        Assert.AreEqual((HttpStatusCode.BadRequest, "Unknown class 'ten'; the classes are 0, 1, 2, 3, 4, 5, 6, 7, 8, 9."),
            await Post(new { page = "p1", rowId = s_queried, label = "ten" }));
        Assert.AreEqual((HttpStatusCode.BadRequest, "Row 59999 is not in the open query (round -1)."),
            await Post(new { page = "p1", rowId = 59999, label = "3" }));
        Assert.AreEqual((HttpStatusCode.BadRequest, "label is missing: send one of the classes, or skip: true."),
            await Post(new { page = "p1", rowId = s_queried }));
        Assert.AreEqual((HttpStatusCode.BadRequest, "rowId is missing: send the id of the row you answer."),
            await Post(new { page = "p1", label = "3" }));
        Assert.AreEqual((HttpStatusCode.BadRequest, "page must be the page's id: 1 to 64 letters, digits, '-' or '_'."),
            await Post(new { page = "<script>", rowId = s_queried, label = "3" }));

        using (var get = await s_client.GetAsync($"/api/answer?page=p1&rowId={s_queried}&label=3"))
            Assert.AreEqual(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        using (var form = await s_client.PostAsync("/api/answer", new StringContent($"page=p1&rowId={s_queried}&label=3", Encoding.UTF8, "application/x-www-form-urlencoded")))
            Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, form.StatusCode, "a cross-site form cannot post an answer");
        using (var huge = await s_client.PostAsync("/api/answer", new StringContent(new string(' ', 20_000) + "{}", Encoding.UTF8, "application/json")))
            Assert.AreEqual(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);

        using var query = JsonDocument.Parse(await s_client.GetStringAsync("/api/query"));
        Assert.AreEqual(5, query.RootElement.GetProperty("remaining").GetArrayLength(), "none of these requests answered a row");
    }

    [TestMethod]
    public async Task AnAnswerForARowAnotherLivePageHoldsIsRefusedWith409()
    {
        using var held = JsonDocument.Parse(await s_client.GetStringAsync("/api/state?page=holder"));
        long row = held.RootElement.GetProperty("item").GetProperty("rowId").GetInt64();
        using var response = await s_client.PostAsJsonAsync("/api/answer", new { page = "intruder", rowId = row, label = "3" });
        Assert.AreEqual(HttpStatusCode.Conflict, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.AreEqual($"Row {row} is being labelled on another page; this answer was not recorded.", json.RootElement.GetProperty("message").GetString());
        using var undo = await s_client.PostAsJsonAsync("/api/undo", new { page = "intruder" });
        Assert.AreEqual(HttpStatusCode.Conflict, undo.StatusCode);
        using var undoJson = JsonDocument.Parse(await undo.Content.ReadAsStringAsync());
        Assert.AreEqual("Nothing to undo: this page has no answer in the open round.", undoJson.RootElement.GetProperty("message").GetString());
    }
}
