using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Loop;
using Energizer.ML.Scoring;
using Energizer.ML.Tests.Loop;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static Energizer.ML.Tests.Scoring.PoolFixtures;

namespace Energizer.ML.Tests.Scoring;

[TestClass]
public sealed class ScoringSessionTests
{
    private static readonly float[] Six = [0.9f, 0.2f, 0.5f, 0.7f, 0.1f, 0.6f];

    [TestMethod]
    public void EveryBindingTheScorerMakesIsDisposedAndADisposedSessionRefusesCursors()
    {
        var ml = new MLContext(1);
        var pool = Pool(ml, Six);
        var counting = new CountingInference(passes: 1);
        var scorer = ml.ActiveLearning().ScoreAcquisition(CopyLearner(ml, pool), new AcquisitionScorerOptions
        {
            Strategy = new FirstClassStrategy(),
            Inference = counting,
            BatchSize = 4,
        }).Fit(pool);
        Assert.AreEqual(counting.Bound, counting.Disposed, "Fit's schema check keeps no binding");

        var session = scorer.Score(pool);
        Assert.AreEqual(counting.Disposed + 1, counting.Bound, "the session holds one binding");
        var first = ml.ActiveLearning().SelectTopK(session, 2);
        var second = ml.ActiveLearning().SelectTopK(session, 2, new SelectionOptions { Partitions = 2 });
        Assert.AreEqual(counting.Disposed + 1, counting.Bound, "every cursor of the pass shares it");
        // FirstClass scores by p(class 0): rows 0 (0.9) and 3 (0.7).
        CollectionAssert.AreEqual(new long[] { 0, 3 }, first.RowIds.ToArray());
        CollectionAssert.AreEqual(new long[] { 0, 3 }, second.RowIds.ToArray());

        session.Dispose();
        session.Dispose();
        Assert.AreEqual(counting.Bound, counting.Disposed);
        var error = Assert.ThrowsExactly<ObjectDisposedException>(() => session.Scored.GetRowCursor(session.Scored.Schema));
        StringAssert.Contains(error.Message, "scoring session was disposed");
    }

    [TestMethod]
    public void TheLoopDisposesEveryBindingItMakes()
    {
        var ml = new MLContext(0);
        var rows = Enumerable.Range(0, 30).Select(i => new LabelledRow
        {
            Features = [i, 30 - i],
            Label = i < 15 ? "a" : "b",
            P = [i / 30f, 1 - (i / 30f)],
        }).ToList();
        var counting = new CountingInference(passes: 2);
        var result = ml.ActiveLearning().Trainer(new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.Bald,
            Inference = counting,
            InitialRowIds = [0, 29],
            QuerySize = 2,
            MaxRounds = 3,
        }).Fit(TestLearners.MappedLogistic(ml), ml.Data.LoadFromEnumerable(rows), Oracles.FromLabelColumn("Label"));

        Assert.HasCount(4, result.Rounds);
        // Rounds 0–3 each fit a model and check it (4 bindings); rounds 0–2 query the pool (3 more).
        Assert.AreEqual(7, counting.Bound);
        Assert.AreEqual(counting.Bound, counting.Disposed);
    }

    private sealed class LabelledRow
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];

        public string Label { get; set; } = "";

        [VectorType(2)]
        public float[] P { get; set; } = [];
    }

    [TestMethod]
    public void TwoHundredMcDropoutPassesOnANetworkCopyLeaveNoLiveTensorsBehind()
    {
        var ml = new MLContext(0);
        var (pool, _) = Digits.Split(ml);
        var model = ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = Networks.Mlp([32, 16], 0.5),
            Epochs = 1,
            Seed = 1,
        }).Fit(pool);
        var estimator = ml.ActiveLearning().ScoreAcquisition(model, AcquisitionStrategy.Bald,
            InferenceMode.McDropout(iterations: 2, consistent: true, inplace: false));

        void Pass()
        {
            using var session = estimator.Fit(pool).Score(pool);
            Assert.HasCount(5, ml.ActiveLearning().SelectTopK(session, 5).RowIds);
        }

        Pass();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 200; i++) Pass();
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        // Each pass binds twice (Fit's check and the session), and each binding copies the
        // network's 6 parameter tensors and caches 2 consistent masks: a leak would add hundreds.
        Assert.IsLessThanOrEqualTo(10L, after - before, $"live tensors went from {before} to {after}");
    }

    [TestMethod]
    public void ACachedScoredViewPicksWithBatchBaldOnlyWhenTheStrategyIsNamed()
    {
        var ml = new MLContext(1);
        var pool = Pool(ml, [0.95f, 0.9f, 0.5f, 0.55f, 0.05f, 0.1f, 0.6f, 0.4f, 0.98f, 0.3f]);
        var strategy = AcquisitionStrategy.BatchBald(samples: 1000, seed: 2);
        using var session = ml.ActiveLearning().ScoreAcquisition(CopyLearner(ml, pool), new AcquisitionScorerOptions
        {
            Strategy = strategy,
            Inference = new CountingInference(passes: 2),
            BatchSize = 3,
        }).Fit(pool).Score(pool);
        var options = new SelectionOptions { CandidateCount = 6 };
        var unwrapped = ml.ActiveLearning().SelectTopK(session, 3, options);
        // Passes [p, 1 − p] and [1 − p, p] disagree most far from p = 0.5: BALD = ln 2 − H(p) ranks
        // 0.98, 0.05, 0.95 first; the joint pick keeps them (each adds information independently).
        CollectionAssert.AreEquivalent(new long[] { 8, 4, 0 }, unwrapped.RowIds.ToArray());

        var cached = ml.Data.Cache(session.Scored);
        var error = Assert.ThrowsExactly<ArgumentException>(() => ml.ActiveLearning().SelectTopK(cached, 3, options));
        StringAssert.Contains(error.Message, "Column 'Acquisition' holds the pre-filter score of BatchBALD");
        StringAssert.Contains(error.Message, "SelectionOptions.Strategy");

        var named = ml.ActiveLearning().SelectTopK(cached, 3, new SelectionOptions { CandidateCount = 6, Strategy = strategy });
        CollectionAssert.AreEqual(unwrapped.RowIds.ToArray(), named.RowIds.ToArray());
        CollectionAssert.AreEqual(unwrapped.Scores.ToArray(), named.Scores.ToArray());
    }
}
