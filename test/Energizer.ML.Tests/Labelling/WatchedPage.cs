using Microsoft.Playwright;

namespace Energizer.ML.Tests.Labelling;

/// <summary>A browser page that records console errors and uncaught exceptions, and leaves a screenshot in the test's output.</summary>
internal sealed class WatchedPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly TestContext _test;
    private readonly string _name;

    private WatchedPage(IBrowserContext context, IPage page, TestContext test, string name)
    {
        _context = context;
        Page = page;
        _test = test;
        _name = name;
        page.Console += (_, message) =>
        {
            if (message.Type == "error") Errors.Add(message.Text);
        };
        page.PageError += (_, error) => Errors.Add(error);
    }

    public IPage Page { get; }

    public List<string> Errors { get; } = [];

    /// <summary>Opens <paramref name="url"/> in a new browser context (its own cookies and storage: another person).</summary>
    public static async Task<WatchedPage> OpenAsync(IBrowser browser, Uri url, TestContext test, string name = "page")
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 720 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        var watched = new WatchedPage(context, page, test, name);
        await page.GotoAsync(url.ToString());
        return watched;
    }

    /// <summary>The row the page shows, once it shows one.</summary>
    public async Task<long> RowAsync()
    {
        var item = await Page.WaitForSelectorAsync("#work:not(.hidden) #item[data-row-id]");
        return long.Parse((await item!.GetAttributeAsync("data-row-id"))!, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until the page no longer shows <paramref name="rowId"/> (the next row, training, or the end).</summary>
    public Task LeftRowAsync(long rowId) => Page.WaitForFunctionAsync(
        "id => document.getElementById('item').dataset.rowId !== String(id) && !document.getElementById('message').textContent.endsWith('…')", rowId);

    /// <summary>The page's status line once it reads <paramref name="prefix"/>….</summary>
    public async Task<string> StatusAsync(string prefix)
    {
        await Page.WaitForFunctionAsync("p => document.getElementById('status').textContent.startsWith(p)", prefix);
        return await Page.TextContentAsync("#status") ?? "";
    }

    /// <summary>Saves a screenshot in the test's output folder and attaches it to the test's results.</summary>
    public async Task<string> ScreenshotAsync(string? path = null)
    {
        path ??= Path.Combine(_test.TestResultsDirectory ?? AppContext.BaseDirectory, $"{_test.TestName}-{_name}.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        _test.AddResultFile(path);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await ScreenshotAsync();
        await _context.CloseAsync();
    }
}
