using System.Net;
using Energizer.ML.Orleans;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace DistributedPoolSample;

/// <summary>
/// A silo that scores pool shards, on loopback with development clustering: the silo whose
/// <c>primaryPort</c> is its own port is the primary, which the others join. For a real cluster,
/// replace <c>UseLocalhostClustering</c> with a membership provider (README, "Scale-out").
/// </summary>
public static class SiloHost
{
    /// <summary>The line a silo prints once it accepts calls.</summary>
    public const string ReadyLine = "Silo ready";

    /// <summary>Runs a silo until <paramref name="stop"/> is cancelled or the process is killed.</summary>
    public static async Task RunAsync(int siloPort, int gatewayPort, int primaryPort, int? torchThreads, TextWriter output, CancellationToken stop)
    {
        using var host = Host.CreateDefaultBuilder()
            .UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort, new IPEndPoint(IPAddress.Loopback, primaryPort));
                // A killed silo is declared dead after two missed one-second probes, so its shards'
                // grains reactivate elsewhere within seconds, not the production default's minute.
                silo.Configure<ClusterMembershipOptions>(o =>
                {
                    o.ProbeTimeout = TimeSpan.FromSeconds(1);
                    o.NumMissedProbesLimit = 2;
                    o.NumVotesForDeathDeclaration = 1;
                });
                silo.AddEnergizerPoolScoring(o => o.TorchThreads = torchThreads);
            })
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .Build();
        await host.StartAsync(stop).ConfigureAwait(false);
        await output.WriteLineAsync($"{ReadyLine} on port {siloPort} (gateway {gatewayPort})").ConfigureAwait(false);
        await output.FlushAsync(stop).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Asked to stop: leave the cluster cleanly.
        }
        await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
