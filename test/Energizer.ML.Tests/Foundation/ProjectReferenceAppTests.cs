namespace Energizer.ML.Tests.Foundation;

/// <summary>
/// An app that references the library's project (not the package) gets no build-time fix-up of
/// TorchSharp's native library, so only the library's run-time step can make it load. Its first
/// TorchSharp use through a library type (a network factory) must load it correctly; before, it
/// failed with TorchSharp's "doesn't contain a reference to libtorch-cpu-linux-x64".
/// </summary>
[TestClass]
public sealed class ProjectReferenceAppTests
{
    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void AppWhoseFirstTorchSharpUseIsANetworkFactoryRunsAndSetsThreads()
    {
        string repo = PackageSmokeTests.RepositoryRoot();
        string work = Directory.CreateTempSubdirectory("energizer-projref-").FullName;
        try
        {
            string app = Path.Combine(work, "app");
            Directory.CreateDirectory(app);
            File.Copy(Path.Combine(repo, "NuGet.config"), Path.Combine(app, "NuGet.config"));
            DotnetCommand.WriteConsoleApp(app, "ProjectRef", $"<ProjectReference Include=\"{Path.Combine(repo, "src", "Energizer.ML", "Energizer.ML.csproj")}\" />", """
                using Energizer.ML.Torch;
                // The app's first TorchSharp use: a built-in network, 3 features -> 2 classes.
                using var network = Networks.Mlp([4], 0)(3, 2);
                TorchRuntime.SetThreads(1);
                using var x = TorchSharp.torch.ones(5, 3);
                using var logits = network.call(x);
                Console.WriteLine($"logits [{string.Join(", ", logits.shape)}], threads {TorchRuntime.Threads}");
                """);
            string artifacts = Path.Combine(work, "artifacts");
            DotnetCommand.Run(app, "build", "-c", "Release", "--artifacts-path", artifacts);
            string dll = Directory.EnumerateFiles(artifacts, "ProjectRef.dll", SearchOption.AllDirectories).Single(f => f.Contains("bin", StringComparison.Ordinal));
            string output = DotnetCommand.Run(app, "exec", dll);
            StringAssert.Contains(output, "logits [5, 2], threads 1");
        }
        finally
        {
            Directory.Delete(work, true);
        }
    }

    [TestMethod]
    public void SetThreadsRefusesZero()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Energizer.ML.Torch.TorchRuntime.SetThreads(0));
        Assert.AreEqual("threads", error.ParamName);
    }
}
