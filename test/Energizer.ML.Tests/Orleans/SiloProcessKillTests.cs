using DistributedPoolSample;
using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Loop;
using Energizer.ML.Orleans;
using Energizer.ML.Scoring;
using Microsoft.ML;

namespace Energizer.ML.Tests.Orleans;

/// <summary>
/// Two silo processes of the sample's built host and a client (this process) on 127.0.0.1 run a
/// 3-round loop; the second silo is killed with SIGKILL when round 2's first shard answer arrives.
/// The killed silo's shard calls fail, the client tries them again on the surviving silo, and the
/// loop's labels and history equal an in-process run's.
/// </summary>
[TestClass]
public sealed class SiloProcessKillTests
{
    /// <summary>Arms the kill for the second query: the victim dies when that round's first shard answer arrives, with its other shards still queued.</summary>
    private sealed class KillDuringSecondQuery(OrleansPoolScorer inner, Action arm) : IPoolScorer
    {
        private int _queries;

        public PoolScoringRound? KilledRound { get; private set; }

        public async Task<Selection> SelectAsync(PoolScoringRequest request, CancellationToken cancellationToken = default)
        {
            if (++_queries != 2) return await inner.SelectAsync(request, cancellationToken);
            arm();
            var selection = await inner.SelectAsync(request, cancellationToken);
            KilledRound = inner.LastRound;
            return selection;
        }
    }

    private static ActiveLearningOptions Options(IPoolScorer? scorer) => new()
    {
        Strategy = AcquisitionStrategy.Bald,
        Inference = InferenceMode.McDropout(iterations: 8, seed: 1),
        QuerySize = 5,
        InitialLabelledCount = 10,
        MaxRounds = 3,
        Seed = 3,
        PoolScorer = scorer,
    };

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task ASiloKilledMidRoundLosesNothing()
    {
        var ml = new MLContext(0);
        // 24 shards of 1,500 rows: each silo scores one at a time, so when round 2's first answer
        // arrives the victim still has shard calls queued or running.
        var pool = SyntheticModels.Pool(ml, 36_000, 1_500);
        var single = ml.ActiveLearning().Trainer(Options(null)).Fit(SyntheticModels.Mlp(ml), pool, Oracles.FromLabelColumn());

        int[] ports = SiloProcess.FreePorts(4);
        using var primary = await SiloProcess.StartAsync(ports[0], ports[1], ports[0], 1, TimeSpan.FromMinutes(3));
        using var victim = await SiloProcess.StartAsync(ports[2], ports[3], ports[0], 1, TimeSpan.FromMinutes(3));
        await using var connection = await ClusterConnection.ConnectAsync([ports[1], ports[3]], TimeSpan.FromMinutes(4));
        // Calls queue at a silo behind its other shards: on a loaded machine the survivor's queue
        // after the kill can take minutes, which the timeouts allow for.
        SiloProcess? armed = null;
        var orleans = new OrleansPoolScorer(connection.Client, pool, new OrleansPoolScorerOptions
        {
            RetryFor = TimeSpan.FromMinutes(5),
            ShardAnswered = _ => Interlocked.Exchange(ref armed, null)?.Kill(),
        });
        var killer = new KillDuringSecondQuery(orleans, () => armed = victim);
        var spread = ml.ActiveLearning().Trainer(Options(killer)).Fit(SyntheticModels.Mlp(ml), pool, Oracles.FromLabelColumn());

        Assert.IsTrue(victim.HasExited, "the victim was killed");
        var killed = killer.KilledRound!;
        Assert.IsTrue(killed.Shards.Any(s => s.Attempts > 1), "some of round 2's shard calls failed with the victim and were tried again");
        Assert.AreEqual(1, killed.Shards.Where(s => s.Attempts > 1).Select(s => s.Silo).Distinct().Count(), "retried shards ended on the survivor");
        Assert.AreEqual(single.Rounds.Count, spread.Rounds.Count);
        for (int r = 0; r < single.Rounds.Count; r++)
        {
            CollectionAssert.AreEqual(single.Rounds[r].SelectedRowIds.ToArray(), spread.Rounds[r].SelectedRowIds.ToArray(), $"round {r}'s selection");
            CollectionAssert.AreEqual(single.Rounds[r].SelectedScores.ToArray(), spread.Rounds[r].SelectedScores.ToArray(), $"round {r}'s scores");
            Assert.AreEqual(single.Rounds[r].LabelledCount, spread.Rounds[r].LabelledCount);
        }
        CollectionAssert.AreEqual(single.LabelledRowIds.ToArray(), spread.LabelledRowIds.ToArray(), "the same labels in the same order");
        CollectionAssert.AreEquivalent(single.Labels.ToArray(), spread.Labels.ToArray());
    }
}
