using Energizer.ML.Orleans.Shards;
using Energizer.ML.Torch;
using Microsoft.ML;

namespace Energizer.ML.Tests.Orleans;

/// <summary>Small seeded pools and an MLP with dropout fitted on their first rows, for the scale-out tests.</summary>
internal static class SyntheticModels
{
    public const int Features = 12;
    public const int Classes = 3;

    /// <summary>A synthetic pool of <paramref name="rows"/> rows in shards of <paramref name="shardRows"/>.</summary>
    public static ShardedPool Pool(MLContext ml, long rows, long shardRows, int seed = 7) =>
        new(ml, ShardSource.Synthetic(seed, rows, shardRows, Features, Classes));

    public static TorchClassifierTrainer Mlp(MLContext ml) => ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
    {
        Network = Networks.Mlp([16], 0.4),
        Epochs = 3,
        BatchSize = 32,
        Seed = 5,
    });

    /// <summary>The MLP fitted on the pool's first 60 rows: uncertain enough that scores spread.</summary>
    public static ITransformer Fit(MLContext ml, IDataView pool) => Mlp(ml).Fit(ml.Data.TakeRows(pool, 60));
}
