using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Loop;
using Energizer.ML.Orleans;
using Energizer.ML.Orleans.Shards;
using Energizer.ML.Scoring;
using Microsoft.ML;
using Orleans.TestingHost;

namespace Energizer.ML.Tests.Orleans;

/// <summary>
/// Pool scoring spread over an in-process 3-silo TestCluster gives the single-process selection:
/// same ids in the same order with the same scores, for pointwise and batch-aware strategies, with
/// fresh and consistent MC-Dropout masks, labelled and excluded rows, and a last shard shorter than the others.
/// </summary>
[TestClass]
public sealed class OrleansPoolScorerTests
{
    private static TestCluster _cluster = null!;
    private static MLContext _ml = null!;
    private static ShardedPool _pool = null!;
    private static ITransformer _model = null!;

    [ClassInitialize]
    public static async Task StartCluster(TestContext context)
    {
        _cluster = await ThreeSiloCluster.StartAsync();
        _ml = new MLContext(0);
        // 1,000 rows in shards of 96: ten full shards and a last one of 40.
        _pool = SyntheticModels.Pool(_ml, 1000, 96);
        _model = SyntheticModels.Fit(_ml, _pool);
    }

    [ClassCleanup]
    public static async Task StopCluster()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
    }

    private static async Task<(Selection Single, Selection Spread, PoolScoringRound Round)> BothWays(AcquisitionStrategy strategy, InferenceMode inference, int k)
    {
        var scorer = new AcquisitionScorerOptions { Strategy = strategy, Inference = inference, BatchSize = 64 };
        var selection = new SelectionOptions
        {
            Labelled = new HashSet<long> { 0, 5, 95, 96, 500, 999 },
            Excluded = new HashSet<long> { 1, 97, 998 },
            CandidateCount = 40,
        };
        var request = new PoolScoringRequest(_model, _pool, scorer, k, selection);
        var single = await InProcessPoolScorer.Instance.SelectAsync(request);
        var orleans = new OrleansPoolScorer(_cluster.Client, _pool);
        var spread = await orleans.SelectAsync(request);
        return (single, spread, orleans.LastRound!);
    }

    private static void AssertSame(Selection single, Selection spread)
    {
        Assert.IsTrue(single.RowIds.Count > 0);
        CollectionAssert.AreEqual(single.RowIds.ToArray(), spread.RowIds.ToArray(), "the same rows in the same order");
        CollectionAssert.AreEqual(single.Scores.ToArray(), spread.Scores.ToArray(), "the same scores, bit for bit");
        Assert.AreEqual(single.UnlabelledRows, spread.UnlabelledRows);
    }

    [TestMethod]
    public async Task EntropyOnTheClusterIsTheSingleProcessSelection()
    {
        var (single, spread, round) = await BothWays(AcquisitionStrategy.Entropy, InferenceMode.Deterministic, 15);
        AssertSame(single, spread);
        // 1,000 rows less 6 labelled and 3 excluded.
        Assert.AreEqual(991, spread.UnlabelledRows);
        Assert.AreEqual(11, round.Shards.Count);
        Assert.AreEqual(1000, round.Shards.Sum(s => s.Rows));
        Assert.AreEqual(40, round.Shards[^1].Rows);
        CollectionAssert.DoesNotContain(spread.RowIds.ToArray(), 0L, "labelled rows are not selected");
    }

    [TestMethod]
    public async Task BaldWithFreshMcDropoutMasksIsTheSingleProcessSelection()
    {
        // Fresh masks are drawn from (seed, global row, pass): a shard must score row 100 with the
        // masks the whole pool gives row 100, not those of its own row 4.
        var (single, spread, _) = await BothWays(AcquisitionStrategy.Bald, InferenceMode.McDropout(iterations: 6, seed: 3), 12);
        AssertSame(single, spread);
    }

    [TestMethod]
    public async Task BaldWithConsistentMcDropoutMasksIsTheSingleProcessSelection()
    {
        var (single, spread, _) = await BothWays(AcquisitionStrategy.Bald, InferenceMode.McDropout(iterations: 6, consistent: true, seed: 3), 12);
        AssertSame(single, spread);
    }

    [TestMethod]
    public async Task BatchBaldPicksJointlyOnTheClientAsOnOneMachine()
    {
        var (single, spread, round) = await BothWays(AcquisitionStrategy.BatchBald(samples: 200, seed: 1), InferenceMode.McDropout(iterations: 5, seed: 2), 6);
        AssertSame(single, spread);
        Assert.IsTrue(round.ResultBytes > 0);
    }

    [TestMethod]
    public async Task CoreSetPicksWithTheLabelledRowsEmbeddingsFromEveryShard()
    {
        var (single, spread, _) = await BothWays(AcquisitionStrategy.CoreSet, InferenceMode.Deterministic, 8);
        AssertSame(single, spread);
    }

    [TestMethod]
    public async Task TheModelReachesEachSiloOncePerRoundNotOncePerShard()
    {
        var (_, _, round) = await BothWays(AcquisitionStrategy.Margin, InferenceMode.Deterministic, 5);
        // 11 shard calls; the model travels to its grain once and to at most 3 silos.
        Assert.IsTrue(round.Shards.Select(s => s.Silo).Distinct().Count() <= 3);
        Assert.AreEqual(round.ModelBytes * (1 + round.Shards.Select(s => s.Silo).Distinct().Count()) + round.CallBytes + round.ResultBytes, round.WireBytes);
        Assert.IsTrue(round.CallBytes < 11 * 4_000, $"shard calls carry settings and the shard's few labelled ids, not the model: {round.CallBytes} bytes");
    }

    [TestMethod]
    public async Task AThreeRoundLoopOnTheClusterEqualsTheInProcessLoop()
    {
        static ActiveLearningOptions Options(IPoolScorer? scorer) => new()
        {
            Strategy = AcquisitionStrategy.Bald,
            Inference = InferenceMode.McDropout(iterations: 4, seed: 1),
            QuerySize = 5,
            InitialLabelledCount = 10,
            MaxRounds = 3,
            Seed = 2,
            PoolScorer = scorer,
        };
        var ml = new MLContext(0);
        var pool = SyntheticModels.Pool(ml, 300, 70);
        var single = ml.ActiveLearning().Trainer(Options(null)).Fit(SyntheticModels.Mlp(ml), pool, Oracles.FromLabelColumn());
        var spread = ml.ActiveLearning().Trainer(Options(new OrleansPoolScorer(_cluster.Client, pool))).Fit(SyntheticModels.Mlp(ml), pool, Oracles.FromLabelColumn());
        Assert.AreEqual(4, spread.Rounds.Count);
        for (int r = 0; r < single.Rounds.Count; r++)
        {
            CollectionAssert.AreEqual(single.Rounds[r].SelectedRowIds.ToArray(), spread.Rounds[r].SelectedRowIds.ToArray(), $"round {r}'s selection");
            CollectionAssert.AreEqual(single.Rounds[r].SelectedScores.ToArray(), spread.Rounds[r].SelectedScores.ToArray(), $"round {r}'s scores");
        }
        CollectionAssert.AreEqual(single.LabelledRowIds.ToArray(), spread.LabelledRowIds.ToArray());
    }

    [TestMethod]
    public async Task AShardThatASiloCannotReadFailsTheRoundNamingIt()
    {
        var ml = new MLContext(0);
        using var directory = new TemporaryDirectory("energizer-shards-");
        string a = BadShardTests.WriteShard(ml, directory.Path, "a.idv", 40), b = BadShardTests.WriteShard(ml, directory.Path, "b.idv", 30);
        var pool = new ShardedPool(ml, [ShardSource.Binary(a), ShardSource.Binary(b)]);
        File.Delete(b);
        var request = new PoolScoringRequest(_model, pool, new AcquisitionScorerOptions(), 5, new SelectionOptions());
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsExactlyAsync<InvalidDataException>(() => new OrleansPoolScorer(_cluster.Client, pool).SelectAsync(request));
        StringAssert.Contains(error.Message, $"Shard binary shard '{b}' cannot be read: the file does not exist.");
        Assert.IsTrue(watch.Elapsed < TimeSpan.FromSeconds(20), "not retried: a shard that cannot be read fails at once");
    }
}
