
namespace Energizer.ML.Tests.Foundation;

/// <summary>
/// Packs the library, makes a new console app that references only the nupkg from a local folder
/// feed, and runs a TorchSharp computation in it: proves the buildTransitive fix-up ships.
/// </summary>
[TestClass]
public sealed class PackageSmokeTests
{
    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void PackedLibraryRunsTorchSharpInAFreshConsoleApp()
    {
        string repo = RepositoryRoot();
        string work = Directory.CreateTempSubdirectory("energizer-pack-").FullName;
        string version = $"0.0.0-smoke.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        string cachedPackage = Path.Combine(NuGetPackagesFolder(), "energizer.ml", version);
        try
        {
            string feed = Path.Combine(work, "feed");
            DotnetCommand.Run(repo, "pack", Path.Combine(repo, "src", "Energizer.ML", "Energizer.ML.csproj"), "-c", "Release",
                "-o", feed, "--artifacts-path", Path.Combine(work, "pack-artifacts"), $"-p:Version={version}");
            Assert.IsTrue(File.Exists(Path.Combine(feed, $"Energizer.ML.{version}.nupkg")), "the package was written");

            string app = Path.Combine(work, "app");
            Directory.CreateDirectory(app);
            DotnetCommand.WriteNuGetConfig(app, feed);
            // Plain TorchSharp, no Energizer.ML call first: only the build-time fix-up can make it load.
            DotnetCommand.WriteConsoleApp(app, "Smoke", $"<PackageReference Include=\"Energizer.ML\" Version=\"{version}\" />", """
                using TorchSharp;
                using var a = torch.tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
                using var b = a.matmul(a);
                Console.WriteLine("result " + string.Join(",", b.data<float>().ToArray()));
                """);
            string output = DotnetCommand.Run(app, "run", "-c", "Release");
            // [[1,2],[3,4]]^2 = [[1+6, 2+8], [3+12, 6+16]] = [[7,10],[15,22]]
            StringAssert.Contains(output, "result 7,10,15,22");

            // A package folder under the app's directory (a vendored copy, a local packages
            // folder) must not put C# source into the app: the default glob compiles every .cs below it.
            CopyDirectory(cachedPackage, Path.Combine(app, "vendor", "energizer.ml"));
            Assert.IsTrue(File.Exists(Path.Combine(app, "vendor", "energizer.ml", "buildTransitive", "LibTorchSharpPatcher.cs.txt")), "the task's source ships as text");
            StringAssert.Contains(DotnetCommand.Run(app, "run", "-c", "Release"), "result 7,10,15,22");
        }
        finally
        {
            Directory.Delete(work, true);
            if (Directory.Exists(cachedPackage)) Directory.Delete(cachedPackage, true);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Energizer.ML.sln"))) return dir.FullName;
        throw new InvalidOperationException("Energizer.ML.sln not found above " + AppContext.BaseDirectory);
    }

    private static string NuGetPackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
