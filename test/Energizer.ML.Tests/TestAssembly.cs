using Energizer.ML.Torch;
using TorchSharp;

[assembly: DoNotParallelize]

namespace Energizer.ML.Tests;

[TestClass]
public static class TestAssembly
{
    /// <summary>
    /// One TorchSharp thread: the tests' networks are small, and on a shared 2-core machine two
    /// threads made training up to ten times slower. Results stay reproducible at a fixed count.
    /// </summary>
    [AssemblyInitialize]
    public static void Initialize(TestContext context)
    {
        TorchRuntime.EnsureLoaded();
        torch.set_num_threads(1);
    }
}
