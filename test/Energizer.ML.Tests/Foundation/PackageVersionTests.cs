using System.Text.RegularExpressions;

namespace Energizer.ML.Tests.Foundation;

/// <summary>
/// The package's version comes from git, so no two builds share a version a NuGet cache could mix
/// up (a fixed 0.1.0 made a consumer silently restore an older build of the same number).
/// </summary>
[TestClass]
public sealed partial class PackageVersionTests
{
    private static string Version(string? ci)
    {
        string repo = PackageSmokeTests.RepositoryRoot();
        string output = DotnetCommand.Run(repo, new Dictionary<string, string?> { ["CI"] = ci },
            "msbuild", Path.Combine(repo, "src", "Energizer.ML", "Energizer.ML.csproj"), "-t:MinVer", "-getProperty:PackageVersion", "-p:Configuration=Release");
        return output.Trim();
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void LocalPacksAreStampedWithTheirBuildTimeAndCiPacksWithTheCommitHeight()
    {
        string local = Version(ci: null);
        Assert.IsTrue(LocalVersion().IsMatch(local), $"a local pack's version: '{local}'");
        string ci = Version(ci: "true");
        Assert.IsTrue(CiVersion().IsMatch(ci), $"a CI pack's version: '{ci}'");
        // The same commit height ends both.
        Assert.AreEqual(ci[(ci.LastIndexOf('.') + 1)..], local[(local.LastIndexOf('.') + 1)..]);
    }

    [GeneratedRegex(@"^0\.1\.0-alpha\.0\.local\.\d{14}\.\d+$")]
    private static partial Regex LocalVersion();

    [GeneratedRegex(@"^0\.1\.0-alpha\.0\.\d+$")]
    private static partial Regex CiVersion();
}
