using Energizer.ML.Acquisition;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Scoring;

/// <summary>Pools whose class probabilities are given, with a "learner" that copies them to Score.</summary>
internal static class PoolFixtures
{
    public sealed class Row
    {
        public long UserId { get; set; }

        [VectorType(2)]
        public float[] P { get; set; } = [];
    }

    /// <summary>Row i has probabilities [p_i, 1 − p_i] and user id 1000 + i.</summary>
    public static IDataView Pool(MLContext ml, IReadOnlyList<float> firstClass) =>
        ml.Data.LoadFromEnumerable(firstClass.Select((p, i) => new Row { UserId = 1000 + i, P = [p, 1 - p] }).ToList());

    /// <summary>A fitted "learner" whose Score column is the pool's P column.</summary>
    public static ITransformer CopyLearner(MLContext ml, IDataView pool) => ml.Transforms.CopyColumns("Score", "P").Fit(pool);

    /// <summary>Scores a row by its mean probability of class 0 and counts the batches it saw.</summary>
    public sealed class FirstClassStrategy : AcquisitionStrategy
    {
        private int _batches;

        public int Batches => _batches;

        public override string Name => "FirstClass";

        public override void Score(AcquisitionBatch batch, Span<float> scores)
        {
            Interlocked.Increment(ref _batches);
            Span<double> mean = stackalloc double[batch.Probabilities.Classes];
            for (int n = 0; n < batch.Count; n++)
            {
                batch.Probabilities.MeanOf(n, mean);
                scores[n] = (float)mean[0];
            }
        }
    }
}
