using Microsoft.Playwright;

namespace Energizer.ML.Tests.Labelling;

/// <summary>
/// Debian's chromium driven by Playwright (Playwright's own browser download cannot work here and
/// is never attempted). A machine without chromium fails the browser tests, saying how to install it.
/// </summary>
internal static class Chromium
{
    private static readonly string[] Names = ["chromium", "chromium-browser"];

    /// <summary>The chromium executable on PATH; fails the test when there is none.</summary>
    public static string Find()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (string name in Names)
            {
                string path = Path.Combine(directory, name);
                if (File.Exists(path)) return path;
            }
        }
        Assert.Fail("No chromium on PATH: the labelling page's browser tests need Debian's chromium package "
            + "(`sudo apt-get update && sudo apt-get install -y chromium`; .ci/run installs it when missing).");
        return "";
    }

    /// <summary>Starts Playwright and a headless chromium.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        string executable = Find();
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = executable, Headless = true });
        return (playwright, browser);
    }
}
