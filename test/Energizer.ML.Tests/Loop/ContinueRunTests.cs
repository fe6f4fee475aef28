using System.Runtime.CompilerServices;
using Energizer.ML.Acquisition;
using Energizer.ML.Loop;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Loop;

/// <summary>Labelling in sessions: a finished run resumed with more rounds goes on; ids are the user's own.</summary>
[TestClass]
public sealed class ContinueRunTests
{
    private sealed class Row
    {
        public long Id { get; set; }

        [VectorType(1)]
        public float[] Features { get; set; } = [];
    }

    /// <summary>A person who skips row 1007 and labels the others by position.</summary>
    private sealed class Person : IOracle
    {
        public async IAsyncEnumerable<OracleAnswer> LabelAsync(OracleQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (long id in query.RowIds) yield return new OracleAnswer(id, id == 1007 ? null : (id - 1000) / 7 < 10 ? "low" : "high");
            await Task.CompletedTask.ConfigureAwait(false);
        }
    }

    private static ActiveLearningResult Run(int rounds, string? checkpoints)
    {
        var ml = new MLContext(0);
        var pool = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 20).Select(i => new Row { Id = 1000 + (7 * i), Features = [i] }).ToList());
        return ml.ActiveLearning().Trainer(new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.Margin,
            IdColumnName = "Id",
            InitialRowIds = [1000, 1007, 1133],
            QuerySize = 3,
            MaxRounds = rounds,
            CheckpointDirectory = checkpoints,
        }).Fit(TestLearners.MappedLogistic(ml), pool, new Person());
    }

    [TestMethod]
    public void AFinishedRunResumedWithMoreRoundsGoesOnAsIfItHadNeverStopped()
    {
        string dir = Directory.CreateTempSubdirectory("energizer-continue-").FullName;
        try
        {
            var first = Run(rounds: 1, dir);
            Assert.AreEqual(2, first.Rounds.Count);
            StringAssert.Contains(first.StopReason, "1 rounds were made");

            var continued = Run(rounds: 3, dir);
            var uninterrupted = Run(rounds: 3, checkpoints: null);
            // Rounds 0 and 1 of the continued run are the first session's; round 1 now queries.
            Assert.AreEqual(4, continued.Rounds.Count);
            CollectionAssert.AreEqual(first.Rounds[0].SelectedRowIds.ToArray(), continued.Rounds[0].SelectedRowIds.ToArray());
            for (int r = 0; r < 4; r++)
            {
                CollectionAssert.AreEqual(uninterrupted.Rounds[r].SelectedRowIds.ToArray(), continued.Rounds[r].SelectedRowIds.ToArray(), $"round {r}");
                Assert.AreEqual(uninterrupted.Rounds[r].LabelledCount, continued.Rounds[r].LabelledCount, $"round {r}");
            }
            CollectionAssert.AreEquivalent(uninterrupted.Labels.Keys.ToArray(), continued.Labels.Keys.ToArray());
            // The skipped row is never labelled, and never asked again after the initial set.
            Assert.IsFalse(continued.Labels.ContainsKey(1007));
            Assert.IsFalse(continued.Rounds.Any(r => r.SelectedRowIds.Contains(1007)));
            Assert.AreEqual(2 + (3 * 3), continued.Labels.Count, "2 initial labels (1007 skipped) and 3 queries of 3");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
