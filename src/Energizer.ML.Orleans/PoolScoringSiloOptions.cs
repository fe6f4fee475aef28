namespace Energizer.ML.Orleans;

/// <summary>How a silo scores pool shards (<see cref="PoolScoringSiloExtensions.AddEnergizerPoolScoring"/>).</summary>
public sealed class PoolScoringSiloOptions
{
    /// <summary>Shards this silo scores at once. Default 1: LibTorch already uses the cores it is given.</summary>
    public int ConcurrentShards { get; set; } = 1;

    /// <summary>LibTorch's thread count in this silo's process; null leaves it as it is.</summary>
    public int? TorchThreads { get; set; }
}
