using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DistributedPoolSample;

/// <summary>
/// A silo in a child process of this sample's built host (<c>dotnet DistributedPool.dll silo ...</c>):
/// started, waited for until it accepts calls, killed (SIGKILL) or stopped.
/// </summary>
public sealed class SiloProcess : IDisposable
{
    private readonly Process _process;

    private SiloProcess(Process process, int siloPort, int gatewayPort)
    {
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    /// <summary>The silo-to-silo port.</summary>
    public int SiloPort { get; }

    /// <summary>The port clients connect to.</summary>
    public int GatewayPort { get; }

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts a silo process and waits until it accepts calls. <paramref name="primaryPort"/> is the
    /// primary silo's port (this silo's own for the primary).
    /// </summary>
    public static async Task<SiloProcess> StartAsync(int siloPort, int gatewayPort, int primaryPort, int torchThreads, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(typeof(SiloProcess).Assembly.Location);
        foreach (string argument in (string[])["silo", "--port", $"{siloPort}", "--gateway", $"{gatewayPort}", "--primary", $"{primaryPort}", "--threads", $"{torchThreads}"])
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started.");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new List<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith(SiloHost.ReadyLine, StringComparison.Ordinal) == true) ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (errors) errors.Add(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var silo = new SiloProcess(process, siloPort, gatewayPort);
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(ready.Task, exited, Task.Delay(timeout)).ConfigureAwait(false);
        if (first == ready.Task) return silo;
        // Read the exit code before Dispose, which detaches the Process object from the process.
        string why = first == exited ? $"exited with code {process.ExitCode}" : $"was not ready after {timeout.TotalSeconds:F0} s";
        silo.Dispose();
        lock (errors) throw new InvalidOperationException($"The silo on port {siloPort} {why}: {string.Join(Environment.NewLine, errors.TakeLast(20))}");
    }

    /// <summary>Free TCP ports on loopback, for silos and gateways.</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        foreach (var listener in listeners) listener.Start();
        int[] ports = [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        foreach (var listener in listeners) listener.Stop();
        return ports;
    }

    /// <summary>Kills the process with SIGKILL: no shutdown, no goodbye to the cluster.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    /// <summary>Kills the process if it still runs.</summary>
    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
