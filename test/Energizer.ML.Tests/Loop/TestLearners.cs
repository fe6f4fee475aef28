using Microsoft.ML;
using Microsoft.ML.Trainers;

namespace Energizer.ML.Tests.Loop;

/// <summary>Learners the loop tests share.</summary>
internal static class TestLearners
{
    /// <summary>
    /// The usual ML.NET idiom: the raw label mapped to a key from the rows it is fitted on, then
    /// L-BFGS maximum entropy on one thread (runs repeat exactly). With <paramref name="l2"/>, weak
    /// L2 only (ML.NET's default L1 + L2 of 1 flattens models fitted on a handful of rows).
    /// </summary>
    public static IEstimator<ITransformer> MappedLogistic(MLContext ml, float? l2 = null) =>
        ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(
            l2 is { } weak
                ? new LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1, L1Regularization = 0, L2Regularization = weak }
                : new LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1 }));
}
