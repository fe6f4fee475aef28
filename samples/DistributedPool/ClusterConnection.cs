using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace DistributedPoolSample;

/// <summary>An Orleans client connected to silos' gateways on loopback.</summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterConnection(IHost host)
    {
        _host = host;
        Client = host.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>The client, for <c>OrleansPoolScorer</c>.</summary>
    public IClusterClient Client { get; }

    /// <summary>Connects to the silos whose gateways listen on <paramref name="gatewayPorts"/>.</summary>
    public static async Task<ClusterConnection> ConnectAsync(IEnumerable<int> gatewayPorts, TimeSpan responseTimeout)
    {
        var host = Host.CreateDefaultBuilder()
            .UseOrleansClient(client =>
            {
                client.UseLocalhostClustering([.. gatewayPorts]);
                // A shard of a large pool may score for longer than Orleans's default 30 s.
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = responseTimeout);
            })
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .Build();
        await host.StartAsync().ConfigureAwait(false);
        return new ClusterConnection(host);
    }

    /// <summary>Disconnects.</summary>
    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync().ConfigureAwait(false);
        _host.Dispose();
    }
}
