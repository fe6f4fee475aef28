using Energizer.ML.Orleans;
using Orleans.TestingHost;

namespace Energizer.ML.Tests.Orleans;

/// <summary>An in-process Orleans TestCluster of three silos that score pool shards.</summary>
internal static class ThreeSiloCluster
{
    public static async Task<TestCluster> StartAsync()
    {
        var builder = new TestClusterBuilder(3);
        builder.AddSiloBuilderConfigurator<Silo>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddEnergizerPoolScoring();
    }
}
