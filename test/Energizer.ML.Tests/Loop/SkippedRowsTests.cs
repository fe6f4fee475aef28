using System.Runtime.CompilerServices;
using Energizer.ML.Acquisition;
using Energizer.ML.Loop;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Loop;

/// <summary>Rows the oracle skipped are neither asked again nor treated as labelled.</summary>
[TestClass]
public sealed class SkippedRowsTests
{
    private sealed class Row
    {
        [VectorType(1)]
        public float[] Features { get; set; } = [];

        [VectorType(1)]
        public float[] Embedding { get; set; } = [];

        [KeyType(2)]
        public uint Label { get; set; }
    }

    /// <summary>Answers from the label column but skips one row.</summary>
    private sealed class SkippingOracle(long skipped) : IOracle
    {
        private readonly IOracle _inner = Oracles.FromLabelColumn();

        public async IAsyncEnumerable<OracleAnswer> LabelAsync(OracleQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var answer in _inner.LabelAsync(query, cancellationToken))
                yield return answer.RowId == skipped ? answer with { Label = null } : answer;
        }
    }

    [TestMethod]
    public void ASkippedRowIsNoCoreSetCentre()
    {
        // Embeddings: row 0 at 0 and row 1 at 10 (labelled), row 2 at 5 (skipped), rows 3 and 4
        // at 5.5 and 2 (the candidates). Core-set takes the candidate farthest from every centre:
        // centres {0, 10}: row 3 is 4.5 away (squared 20.25), row 4 is 2 away (4) → row 3.
        // Were the skipped row 2 a centre, row 3 would be 0.5 away (0.25) and row 4 chosen.
        var ml = new MLContext(0);
        float[] positions = [0, 10, 5, 5.5f, 2];
        var pool = ml.Data.LoadFromEnumerable(positions.Select((x, i) => new Row
        {
            Features = [x],
            Embedding = [x],
            Label = i == 1 || x > 5 ? 1u : 0u,
        }).ToList());
        var result = ml.ActiveLearning().Trainer(new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.CoreSet,
            InitialRowIds = [0, 1, 2],
            QuerySize = 1,
            MaxRounds = 1,
            EmbeddingColumnName = "Embedding",
        }).Fit(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(
            new Microsoft.ML.Trainers.LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1 }), pool, new SkippingOracle(2));

        CollectionAssert.AreEqual(new long[] { 3 }, result.Rounds[0].SelectedRowIds.ToArray());
        CollectionAssert.AreEquivalent(new long[] { 0, 1, 3 }, result.Labels.Keys.ToList(), "row 2 stays unlabelled");
    }
}
