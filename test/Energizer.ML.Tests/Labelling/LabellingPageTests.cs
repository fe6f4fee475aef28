using System.Globalization;
using Energizer.ML.Acquisition;
using Energizer.ML.Labelling;
using Energizer.ML.Loop;
using Microsoft.ML;
using Microsoft.Playwright;

namespace Energizer.ML.Tests.Labelling;

/// <summary>
/// The labelling page in a real browser (Debian's chromium, headless) against a real server and
/// loop: one browser for the class, a server and loop per test. Every test fails on any browser
/// console error and leaves a screenshot in its output.
/// </summary>
[TestClass]
public sealed class LabellingPageTests
{
    private static IPlaywright s_playwright = null!;
    private static IBrowser s_browser = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartBrowser(TestContext _) => (s_playwright, s_browser) = await Chromium.LaunchAsync();

    [ClassCleanup]
    public static async Task StopBrowser()
    {
        await s_browser.CloseAsync();
        s_playwright.Dispose();
    }

    private static ActiveLearningOptions DigitOptions(int initial, int querySize, int rounds) => new()
    {
        Strategy = AcquisitionStrategy.Margin,
        InitialLabelledCount = initial,
        QuerySize = querySize,
        MaxRounds = rounds,
        Seed = 5,
    };

    private static WebOracleOptions Web(IEnumerable<LabelClass> classes, RowRenderer renderer)
    {
        var options = new WebOracleOptions { Renderer = renderer };
        foreach (var c in classes) options.Classes.Add(c);
        return options;
    }

    private static string Digit(float label) => ((int)label).ToString(CultureInfo.InvariantCulture);

    /// <summary>Answers the row the page shows with its true digit, by a click or by its key; returns the row.</summary>
    private static async Task<long> AnswerAsync(WatchedPage page, float[] truth, bool byKey)
    {
        long row = await page.RowAsync();
        string digit = Digit(truth[row]);
        if (byKey) await page.Page.Keyboard.PressAsync(digit);
        else await page.Page.ClickAsync($"#classes button[data-class=\"{digit}\"]");
        await page.Page.WaitForFunctionAsync("m => document.getElementById('message').textContent === m", $"Row {row} saved as {digit}.");
        await page.LeftRowAsync(row);
        return row;
    }

    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    public async Task AWholeQueryIsLabelledByClicksThenByKeys()
    {
        var ml = new MLContext(1);
        var (pool, _, truth) = LabellingPools.Digits(ml, 120, 0);
        await using var run = await LabellingRun.StartAsync(pool, LabellingPools.DigitLearner(ml), DigitOptions(initial: 4, querySize: 3, rounds: 1),
            Web(LabellingPools.DigitClasses(), RowRenderer.PixelImage("Features", 8, 8)));
        await using var page = await WatchedPage.OpenAsync(s_browser, run.Oracle.Url, TestContext);

        var answered = new List<long>();
        for (int i = 0; i < 4; i++) answered.Add(await AnswerAsync(page, truth, byKey: false));
        for (int i = 0; i < 3; i++) answered.Add(await AnswerAsync(page, truth, byKey: true));
        var result = await run.FinishedAsync();

        // The loop asked 4 initial rows and one query of 3; every answer arrived with the true digit.
        CollectionAssert.AreEqual(run.Recorder.Queries.SelectMany(q => q.RowIds).ToList(), answered);
        Assert.HasCount(7, result.Labels);
        foreach (long row in answered) Assert.AreEqual(truth[row], result.GetLabels<float>()[row], $"row {row}");
        Assert.AreEqual("Finished: 1 rounds were made. You can close this page.", await page.StatusAsync("Finished"));
        Assert.IsEmpty(page.Errors, string.Join("\n", page.Errors));
    }

    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    public async Task SkipLeavesARowUnlabelledAndUndoTakesTheLastAnswerBack()
    {
        var ml = new MLContext(1);
        var (pool, _, truth) = LabellingPools.Digits(ml, 120, 0);
        await using var run = await LabellingRun.StartAsync(pool, LabellingPools.DigitLearner(ml), DigitOptions(initial: 4, querySize: 3, rounds: 0),
            Web(LabellingPools.DigitClasses(), RowRenderer.PixelImage("Features", 8, 8)));
        await using var page = await WatchedPage.OpenAsync(s_browser, run.Oracle.Url, TestContext);

        // A wrong digit, taken back with Backspace: the page shows the same row again.
        long first = await page.RowAsync();
        string wrong = Digit((truth[first] + 1) % 10);
        await page.Page.ClickAsync($"#classes button[data-class=\"{wrong}\"]");
        await page.LeftRowAsync(first);
        Assert.IsTrue(await page.Page.IsEnabledAsync("#undo"), "undo is offered after an answer");
        await page.Page.Keyboard.PressAsync("Backspace");
        await page.Page.WaitForFunctionAsync("m => document.getElementById('message').textContent === m", $"Row {first}: answer taken back.");
        // The taken-back row is shown again.
        await page.Page.WaitForFunctionAsync("id => document.getElementById('item').dataset.rowId === String(id)", first);
        Assert.IsFalse(await page.Page.IsEnabledAsync("#undo"), "nothing left to undo");
        await AnswerAsync(page, truth, byKey: true);

        // Space skips the next row.
        long skipped = await page.RowAsync();
        await page.Page.Keyboard.PressAsync(" ");
        await page.Page.WaitForFunctionAsync("m => document.getElementById('message').textContent === m", $"Row {skipped} skipped.");
        await page.LeftRowAsync(skipped);
        await AnswerAsync(page, truth, byKey: false);
        await AnswerAsync(page, truth, byKey: false);
        var result = await run.FinishedAsync();

        Assert.AreEqual(truth[first], result.GetLabels<float>()[first], "the corrected digit is the one kept");
        Assert.HasCount(3, result.Labels);
        Assert.IsFalse(result.Labels.ContainsKey(skipped));
        Assert.IsEmpty(result.Rounds.SelectMany(r => r.Rejections));
        Assert.IsEmpty(page.Errors, string.Join("\n", page.Errors));
    }

    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    public async Task TheModelsGuessAndTheLearningCurveAppearAfterRoundOne()
    {
        var ml = new MLContext(1);
        var (pool, evaluation, truth) = LabellingPools.Digits(ml, 150, 100);
        await using var run = await LabellingRun.StartAsync(pool, LabellingPools.DigitLearner(ml), DigitOptions(initial: 10, querySize: 4, rounds: 3),
            Web(LabellingPools.DigitClasses(), RowRenderer.PixelImage("Features", 8, 8)), evaluation);
        await using var page = await WatchedPage.OpenAsync(s_browser, run.Oracle.Url, TestContext);

        for (int i = 0; i < 10; i++) await AnswerAsync(page, truth, byKey: true);
        for (int i = 0; i < 4; i++) await AnswerAsync(page, truth, byKey: true);

        // Round 1's query: the guess is the round's model's PredictedLabel with its Score (read by the
        // recorder from the query's scored rows); the learning curve holds round 0's test accuracy.
        long row = await page.RowAsync();
        var (key, probability) = run.Recorder.Guesses[row];
        var keyValues = new Microsoft.ML.Data.VBuffer<float>();
        run.Recorder.Queries.Last().ScoredRows!.Schema["PredictedLabel"].Annotations.GetValue("KeyValues", ref keyValues);
        string guessed = Digit(keyValues.GetValues()[(int)key - 1]);
        Assert.AreEqual($"Model's guess: {guessed} ({Math.Round(100 * probability, MidpointRounding.ToEven):F0}%)", await page.Page.TextContentAsync("#guess"));
        Assert.AreEqual(1, await page.Page.Locator($"#classes button.guessed[data-class=\"{guessed}\"]").CountAsync());
        var round0 = run.Recorder.Reports.Single(r => r.Round == 0);
        Assert.AreEqual(1, await page.Page.Locator("#curve svg circle.curve-point").CountAsync());
        Assert.AreEqual($"{round0.LabelledCount} labels: {round0.Metrics!.MicroAccuracy.ToString("F3", CultureInfo.InvariantCulture)}",
            await page.Page.TextContentAsync("#curve svg circle.curve-point title"));
        Assert.AreEqual("Round 1 · 14 labelled · 4 of 4 left in this query", await page.Page.TextContentAsync("#progress"));

        // Round 2: the curve has rounds 0 and 1. This page is README's picture.
        for (int i = 0; i < 4; i++) await AnswerAsync(page, truth, byKey: true);
        await page.RowAsync();
        await page.Page.WaitForFunctionAsync("() => document.querySelectorAll('#curve svg circle.curve-point').length === 2");
        Assert.IsEmpty(page.Errors, string.Join("\n", page.Errors));
        // README's picture is renewed on request only, so that a test run leaves the working tree as it was.
        if (Environment.GetEnvironmentVariable("ENERGIZER_UPDATE_DOCS") == "1" && RepositoryDocs() is { } docs)
            await page.ScreenshotAsync(Path.Combine(docs, "labelling-page.png"));
    }

    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    public async Task AFashionMnistItemIsAnImageOfItsPixelsAtItsSize()
    {
        var ml = new MLContext(1);
        var (pool, rows) = LabellingPools.Images(ml, 40);
        await using var run = await LabellingRun.StartAsync(pool, ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(), DigitOptions(initial: 3, querySize: 3, rounds: 0),
            Web(LabellingPools.FashionClasses(), RowRenderer.PixelImage("Features", 28, 28)));
        await using var page = await WatchedPage.OpenAsync(s_browser, run.Oracle.Url, TestContext);

        long row = await page.RowAsync();
        var image = page.Page.Locator("#item img.item-image");
        await image.EvaluateAsync("img => img.decode()");
        Assert.AreEqual(28, await image.EvaluateAsync<int>("img => img.naturalWidth"));
        Assert.AreEqual(28, await image.EvaluateAsync<int>("img => img.naturalHeight"));
        Assert.AreEqual(224, await image.EvaluateAsync<int>("img => img.clientWidth"), "scaled 8 times (224 / 28) without smoothing");
        // Pixel (x, y) of row i is ((28y + x + 7i) mod 256) / 255, written as that byte.
        int[] pixels = await image.EvaluateAsync<int[]>(
            "img => { const c = document.createElement('canvas'); c.width = 28; c.height = 28; const g = c.getContext('2d'); g.drawImage(img, 0, 0); return Array.from(g.getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0)); }");
        int[] expected = [.. Enumerable.Range(0, 784).Select(p => (int)MathF.Round(rows[(int)row].Features[p] * 255f))];
        CollectionAssert.AreEqual(expected, pixels);

        // Ten classes: keys 1-9 by order; "Ankle boot" also by its unique first letter.
        Assert.AreEqual("Ankle boota", await page.Page.TextContentAsync("#classes button[data-class=\"10\"]"));
        Assert.AreEqual("Pullover3p", await page.Page.TextContentAsync("#classes button[data-class=\"3\"]"));
        await page.Page.Keyboard.PressAsync("a");
        await page.Page.WaitForFunctionAsync("m => document.getElementById('message').textContent === m", $"Row {row} saved as Ankle boot.");
        long second = await NextRowAsync(page, row);
        await page.Page.Keyboard.PressAsync("2");
        await page.Page.WaitForFunctionAsync("m => document.getElementById('message').textContent === m", $"Row {second} saved as Trouser.");
        long third = await NextRowAsync(page, second);
        await page.Page.Keyboard.PressAsync("p");
        await page.Page.WaitForFunctionAsync("m => document.getElementById('message').textContent === m", $"Row {third} saved as Pullover.");
        var result = await run.FinishedAsync();

        CollectionAssert.AreEquivalent(new Dictionary<long, uint> { [row] = 10, [second] = 2, [third] = 3 }, result.GetLabels<uint>().ToDictionary());
        Assert.IsEmpty(page.Errors, string.Join("\n", page.Errors));
    }

    private static async Task<long> NextRowAsync(WatchedPage page, long previous)
    {
        await page.LeftRowAsync(previous);
        return await page.RowAsync();
    }

    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    public async Task AReviewWithHtmlShowsAsText()
    {
        var ml = new MLContext(1);
        const string Hostile = "Tasty <script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\"><b>bold</b> & more";
        var reviews = new[]
        {
            new LabellingPools.ReviewRow { Label = "great", Product = "<i>B00</i>", Text = Hostile },
            new LabellingPools.ReviewRow { Label = "other", Product = "B01", Text = "Stale." },
        };
        var options = Web([new LabelClass("great", "<em>great</em>"), new LabelClass("other")], RowRenderer.Text("Text"));
        var learner = ml.Transforms.Text.FeaturizeText("Features", "Text").Append(ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy());
        await using var run = await LabellingRun.StartAsync(ml.Data.LoadFromEnumerable(reviews), learner,
            new ActiveLearningOptions { InitialRowIds = [0, 1], QuerySize = 1, MaxRounds = 0, Seed = 1 }, options);
        await using var page = await WatchedPage.OpenAsync(s_browser, run.Oracle.Url, TestContext);

        Assert.AreEqual(0, await page.RowAsync());
        Assert.AreEqual(Hostile, await page.Page.TextContentAsync("#item .item-text"));
        Assert.AreEqual(0, await page.Page.Locator("#item script, #item img, #item b, #classes em, #fields i").CountAsync(), "no element came from the data");
        Assert.AreEqual("<em>great</em>1", await page.Page.TextContentAsync("#classes button[data-class=\"great\"]"));
        Assert.AreEqual("<i>B00</i>", await page.Page.TextContentAsync("#fields dd"));
        Assert.AreEqual("Product", await page.Page.TextContentAsync("#fields dt"), "the rendered Text and the Label column are not listed");
        Assert.AreEqual(1, await page.Page.Locator("#fields dt").CountAsync());
        Assert.IsTrue(await page.Page.EvaluateAsync<bool>("() => window.pwned === undefined"));
        await page.Page.Keyboard.PressAsync("1");
        await page.LeftRowAsync(0);
        Assert.AreEqual(1, await page.RowAsync());
        await page.Page.Keyboard.PressAsync("o");
        var result = await run.FinishedAsync();
        Assert.AreEqual("great", result.GetLabels<string>()[0]);
        Assert.AreEqual("other", result.GetLabels<string>()[1]);
        Assert.IsEmpty(page.Errors, string.Join("\n", page.Errors));
    }

    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    public async Task TwoPagesShareAQueryAndNoRowIsLabelledTwice()
    {
        var ml = new MLContext(1);
        var (pool, _, truth) = LabellingPools.Digits(ml, 120, 0);
        await using var run = await LabellingRun.StartAsync(pool, LabellingPools.DigitLearner(ml), DigitOptions(initial: 10, querySize: 3, rounds: 0),
            Web(LabellingPools.DigitClasses(), RowRenderer.PixelImage("Features", 8, 8)));
        await using var first = await WatchedPage.OpenAsync(s_browser, run.Oracle.Url, TestContext, "first");
        await using var second = await WatchedPage.OpenAsync(s_browser, run.Oracle.Url, TestContext, "second");

        // Both pages hold a row at once: different rows.
        long a = await first.RowAsync(), b = await second.RowAsync();
        Assert.AreNotEqual(a, b, "each row is leased to one page");
        var byFirst = new List<long>();
        var bySecond = new List<long>();
        for (int i = 0; i < 5; i++)
        {
            var one = AnswerAsync(first, truth, byKey: i % 2 == 0);
            var two = AnswerAsync(second, truth, byKey: i % 2 == 1);
            byFirst.Add(await one);
            bySecond.Add(await two);
        }
        var result = await run.FinishedAsync();

        CollectionAssert.AreEquivalent(run.Recorder.Queries.Single().RowIds.ToList(), byFirst.Concat(bySecond).ToList(), "every row once, by one page");
        Assert.HasCount(10, result.Labels);
        Assert.IsEmpty(result.Rounds.SelectMany(r => r.Rejections));
        foreach (long row in byFirst.Concat(bySecond)) Assert.AreEqual(truth[row], result.GetLabels<float>()[row], $"row {row}");
        Assert.IsEmpty(first.Errors.Concat(second.Errors), string.Join("\n", first.Errors.Concat(second.Errors)));
    }

    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    public async Task ALateAnswerForARowAnsweredOnAnotherPageIsRefusedWithAMessage()
    {
        var ml = new MLContext(1);
        var (pool, _, truth) = LabellingPools.Digits(ml, 120, 0);
        var clock = new ManualClock();
        var options = Web(LabellingPools.DigitClasses(), RowRenderer.PixelImage("Features", 8, 8));
        options.Clock = clock;
        await using var run = await LabellingRun.StartAsync(pool, LabellingPools.DigitLearner(ml), DigitOptions(initial: 3, querySize: 3, rounds: 0), options);
        await using var away = await WatchedPage.OpenAsync(s_browser, run.Oracle.Url, TestContext, "away");
        long row = await away.RowAsync();

        // The first page goes quiet past its lease (60 s): its row goes to the next page that asks.
        clock.Advance(TimeSpan.FromSeconds(61));
        await using var present = await WatchedPage.OpenAsync(s_browser, run.Oracle.Url, TestContext, "present");
        Assert.AreEqual(row, await AnswerAsync(present, truth, byKey: true));
        await away.Page.ClickAsync($"#classes button[data-class=\"{Digit(truth[row])}\"]");
        await away.Page.WaitForFunctionAsync("m => document.getElementById('message').textContent === m",
            $"Row {row} was already answered on another page; this answer was not recorded.");
        Assert.AreEqual("error", await away.Page.GetAttributeAsync("#message", "class"));
        await away.LeftRowAsync(row);
        Assert.AreNotEqual(row, await away.RowAsync(), "the page moves on to a row still open");

        // The refusal is a 409, which chromium logs as a failed resource: that one line and nothing else.
        Assert.HasCount(1, away.Errors, string.Join("\n", away.Errors));
        StringAssert.Contains(away.Errors[0], "409");
        Assert.IsEmpty(present.Errors, string.Join("\n", present.Errors));
    }

    /// <summary>docs/ of the repository these tests were built from, or null when the tests run elsewhere.</summary>
    private static string? RepositoryDocs()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Energizer.ML.sln"))) return Path.Combine(directory.FullName, "docs");
        }
        return null;
    }
}
