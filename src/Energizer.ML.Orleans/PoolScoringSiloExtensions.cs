using Energizer.ML.Orleans.Grains;
using Microsoft.Extensions.DependencyInjection;

namespace Energizer.ML.Orleans;

/// <summary>Makes a silo able to score pool shards for <see cref="OrleansPoolScorer"/>.</summary>
public static class PoolScoringSiloExtensions
{
    /// <summary>Adds the shard scorer's services (model cache, scoring gate) to the silo.</summary>
    public static ISiloBuilder AddEnergizerPoolScoring(this ISiloBuilder builder, Action<PoolScoringSiloOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<PoolScoringSiloOptions>();
        if (configure is not null) options.Configure(configure);
        builder.Services.AddSingleton<PoolScoringSilo>();
        return builder;
    }
}
