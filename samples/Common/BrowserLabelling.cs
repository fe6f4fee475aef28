using Energizer.ML.Labelling;
using Energizer.ML.Loop;

namespace Energizer.ML.Samples;

/// <summary>
/// A sample's <c>--web</c> run: a person labels in a browser instead of at the console. The page
/// listens on loopback on a free port; its address (with the access token) is printed.
/// </summary>
public sealed class BrowserLabelling : IAsyncDisposable
{
    private BrowserLabelling(WebOracle oracle) => Oracle = oracle;

    /// <summary>The web oracle to hand to the loop.</summary>
    public WebOracle Oracle { get; }

    /// <summary>Starts the page and writes its address to <paramref name="output"/>.</summary>
    /// <param name="title">The page's title.</param>
    /// <param name="classes">The answers, in button order.</param>
    /// <param name="renderer">How an item is shown.</param>
    /// <param name="output">Where the address is written.</param>
    public static BrowserLabelling Start(string title, IEnumerable<LabelClass> classes, RowRenderer renderer, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(output);
        var options = new WebOracleOptions { Title = title, Renderer = renderer };
        foreach (var c in classes) options.Classes.Add(c);
        var oracle = WebOracle.StartAsync(options).GetAwaiter().GetResult();
        output.WriteLine($"Label in your browser: {oracle.Url}");
        output.Flush();
        return new BrowserLabelling(oracle);
    }

    /// <summary>The loop's progress: each report goes to the page, then to <paramref name="next"/>.</summary>
    public IProgress<RoundReport> Progress(Action<RoundReport> next) => new SyncProgress<RoundReport>(report =>
    {
        Oracle.Report(report);
        next(report);
    });

    /// <summary>Stops the page's server.</summary>
    public ValueTask DisposeAsync() => Oracle.DisposeAsync();
}
