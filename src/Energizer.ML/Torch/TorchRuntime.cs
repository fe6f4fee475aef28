using System.Runtime.InteropServices;
using Energizer.ML.Native;
using TorchSharp;

namespace Energizer.ML.Torch;

/// <summary>
/// Makes sure TorchSharp's native library loads before Energizer.ML touches it. The build
/// fix-up (buildTransitive/Energizer.ML.targets) normally patched the output copy already;
/// this is the fallback for an app built on another host, and the place that turns the
/// loader's failure into an error naming the file and the missing version.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lazy<bool> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Loads TorchSharp's native code once; throws a clear error where it cannot load. Call it
    /// before your own first TorchSharp call (<c>torch.*</c>) in an app that references the
    /// project rather than the package: TorchSharp's own loader would otherwise fail first, with a
    /// misleading message about a missing libtorch-cpu reference. The library's own entry points
    /// (fits, network factories, loads) call it themselves.
    /// </summary>
    public static void EnsureLoaded() => _ = Loaded.Value;

    /// <summary>
    /// Loads TorchSharp if needed, then sets LibTorch's intra-op thread count. It is process-wide:
    /// every network in the process trains and scores with it. For this library's small networks one
    /// thread is as fast as two or faster, and keeps results reproducible (README, Benchmarks).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is not positive.</exception>
    public static void SetThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(threads, 0);
        EnsureLoaded();
        torch.set_num_threads(threads);
    }

    /// <summary>LibTorch's intra-op thread count (loads TorchSharp if needed).</summary>
    public static int Threads
    {
        get
        {
            EnsureLoaded();
            return torch.get_num_threads();
        }
    }

    private static bool Load()
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            PatchLocalCopies(AppContext.BaseDirectory);
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            LibTorchNnpack.Disable();
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidOperationException(DescribeLoadFailure(AppContext.BaseDirectory) + " Loader said: " + e.Message, e);
        }
    }

    /// <summary>Weakens the GLIBCXX_3.4.32 need of copies under <paramref name="appDirectory"/> where the host lacks it.</summary>
    internal static IReadOnlyList<string> PatchLocalCopies(string appDirectory)
    {
        var outcomes = new List<string>();
        string? host = ElfVersions.FindHostLibStdCxx();
        foreach (string library in FindLibTorchSharp(appDirectory))
        {
            try
            {
                outcomes.Add(ElfVersions.PatchIfNeeded(library, host, ElfVersions.TorchSharpMissingVersion));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Read-only install: leave it; the load below reports the precise cause if it fails.
                outcomes.Add($"could not patch {library}: {e.Message}");
            }
        }
        return outcomes;
    }

    private static IEnumerable<string> FindLibTorchSharp(string appDirectory) =>
        Directory.Exists(appDirectory)
            ? Directory.EnumerateFiles(appDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories)
            : [];

    private static string DescribeLoadFailure(string appDirectory)
    {
        string? host = ElfVersions.FindHostLibStdCxx();
        if (host is null) return "TorchSharp's native library (libLibTorchSharp) failed to load.";
        var defined = ElfVersions.ReadVersionDefinitions(host);
        foreach (string library in FindLibTorchSharp(appDirectory))
        {
            var missing = ElfVersions.ReadVersionNeeds(library)
                .Where(n => !n.IsWeak && n.File.StartsWith("libstdc++", StringComparison.Ordinal) && !defined.Contains(n.Version))
                .Select(n => n.Version)
                .ToList();
            if (missing.Count > 0)
                return $"TorchSharp cannot load: {library} needs {string.Join(", ", missing)} from libstdc++, which {host} does not define, and the file could not be patched (is it read-only?).";
        }
        return $"TorchSharp's native library (libLibTorchSharp) failed to load from {appDirectory}.";
    }
}
