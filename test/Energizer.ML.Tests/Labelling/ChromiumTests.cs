namespace Energizer.ML.Tests.Labelling;

/// <summary>Without chromium the browser tests fail (never skip), saying how to install it.</summary>
[TestClass]
public sealed class ChromiumTests
{
    [TestMethod]
    public void NoChromiumOnPathFailsSayingHowToInstallIt()
    {
        using var empty = new TemporaryDirectory("energizer-no-chromium-");
        string? path = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", empty.Path);
        try
        {
            var failure = Assert.ThrowsExactly<AssertFailedException>(() => Chromium.Find());
            StringAssert.Contains(failure.Message, "No chromium on PATH: the labelling page's browser tests need Debian's chromium package "
                + "(`sudo apt-get update && sudo apt-get install -y chromium`; .ci/run installs it when missing).");
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }
        StringAssert.EndsWith(Chromium.Find(), "chromium");
    }
}
