using System.Runtime.CompilerServices;
using Energizer.ML.Acquisition;
using Energizer.ML.Loop;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Loop;

[TestClass]
public sealed class ColdStartAndScheduleTests
{
    private sealed class LineRow
    {
        [VectorType(1)]
        public float[] Features { get; set; } = [];

        [KeyType(3)]
        public uint Label { get; set; }
    }

    /// <summary>Rows at x = 0, 1, 2, 10, 11, 20 (ids 0-5), labels by band.</summary>
    private static IDataView Line(MLContext ml) =>
        ml.Data.LoadFromEnumerable(new float[] { 0, 1, 2, 10, 11, 20 }.Select(x => new LineRow { Features = [x], Label = (uint)(x / 10) }).ToList());

    [TestMethod]
    public void InitialStrategyChoosesTheInitialSetFromTheFeatures()
    {
        // ProbCover with δ = 1.5 on x = 0, 1, 2, 10, 11, 20 (worked in LowBudgetTests): rows 1, 3, 5.
        var ml = new MLContext(0);
        var options = new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.Margin,
            InitialStrategy = AcquisitionStrategy.ProbCover(delta: 1.5),
            InitialLabelledCount = 3,
            MaxRounds = 0,
        };
        var result = ml.ActiveLearning().Trainer(options).Fit(ThreeClassPool.Logistic(ml), Line(ml), Oracles.FromLabelColumn());
        CollectionAssert.AreEqual(new long[] { 1, 3, 5 }, result.LabelledRowIds.ToArray());
    }

    [TestMethod]
    public void WithoutInitialRowsTheFirstQueryIsTheInitialStrategys()
    {
        var ml = new MLContext(0);
        var options = new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.Margin,
            InitialStrategy = AcquisitionStrategy.ProbCover(delta: 1.5),
            InitialLabelledCount = 0,
            QuerySize = 3,
            MaxRounds = 1,
        };
        var result = ml.ActiveLearning().Trainer(options).Fit(ThreeClassPool.Logistic(ml), Line(ml), Oracles.FromLabelColumn());
        CollectionAssert.AreEqual(new long[] { 1, 3, 5 }, result.Rounds[0].SelectedRowIds.ToArray());
    }

    [TestMethod]
    public void ColdStartWithoutTheEmbeddingColumnNamesIt()
    {
        var ml = new MLContext(0);
        var options = new ActiveLearningOptions { InitialStrategy = AcquisitionStrategy.TypiClust(), InitialLabelledCount = 2, MaxRounds = 0, EmbeddingColumnName = "Pixels" };
        var error = Assert.ThrowsExactly<ArgumentException>(() =>
            ml.ActiveLearning().Trainer(options).Fit(ThreeClassPool.Logistic(ml), Line(ml), Oracles.FromLabelColumn()));
        StringAssert.Contains(error.Message, "'Pixels'");
        StringAssert.Contains(error.Message, "EmbeddingColumnName");
    }

    [TestMethod]
    public void BadScheduleAndInitialStrategyAreRefusedByName()
    {
        var ml = new MLContext(0);
        var unordered = new ActiveLearningOptions();
        unordered.StrategySchedule.Add(new StrategyPhase(20, AcquisitionStrategy.Margin));
        unordered.StrategySchedule.Add(new StrategyPhase(20, AcquisitionStrategy.Entropy));
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.ActiveLearning().Trainer(unordered));
        StringAssert.Contains(error.Message, "StrategySchedule");
        StringAssert.Contains(error.Message, "Entropy starts at 20 labels");

        var bald = new ActiveLearningOptions();
        bald.StrategySchedule.Add(new StrategyPhase(20, AcquisitionStrategy.Bald));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.ActiveLearning().Trainer(bald)).Message, "Strategy BALD needs several probability vectors");

        var margin = new ActiveLearningOptions { InitialStrategy = AcquisitionStrategy.Margin };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.ActiveLearning().Trainer(margin)).Message, "InitialStrategy Margin scores predictions");
    }

    private static ActiveLearningOptions Scheduled(string? dir, int rounds = 3)
    {
        var options = new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.SeededRandom(3),
            InitialStrategy = AcquisitionStrategy.TypiClust(seed: 1),
            QuerySize = 10,
            InitialLabelledCount = 10,
            MaxRounds = rounds,
            Seed = 7,
            CheckpointDirectory = dir,
        };
        options.StrategySchedule.Add(new StrategyPhase(20, AcquisitionStrategy.Margin));
        return options;
    }

    private static ActiveLearningResult FitDigits(ActiveLearningOptions options, IOracle oracle, CancellationToken cancel = default)
    {
        var ml = new MLContext(1);
        var (pool, test) = Digits.Split(ml);
        return ml.ActiveLearning().Trainer(options).Fit(ThreeClassPool.Logistic(ml), pool, oracle, test, cancellationToken: cancel);
    }

    [TestMethod]
    public void ScheduleSwitchesStrategiesByLabelledCount()
    {
        var scheduled = FitDigits(Scheduled(null), Oracles.FromLabelColumn());
        // Round 0 queries with 10 labels: Random(seed=3), as a run of Random alone.
        var randomOnly = Scheduled(null, rounds: 1);
        randomOnly.StrategySchedule.Clear();
        var random = FitDigits(randomOnly, Oracles.FromLabelColumn());
        CollectionAssert.AreEqual(random.Rounds[0].SelectedRowIds.ToArray(), scheduled.Rounds[0].SelectedRowIds.ToArray());
        // Round 1 queries with 20 labels: Margin, as a Margin run started from the same 20 labelled rows.
        var marginFrom20 = new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.Margin,
            InitialRowIds = [.. scheduled.LabelledRowIds.Take(20)],
            QuerySize = 10,
            MaxRounds = 1,
            Seed = 7,
        };
        var margin = FitDigits(marginFrom20, Oracles.FromLabelColumn());
        CollectionAssert.AreEqual(margin.Rounds[0].SelectedRowIds.ToArray(), scheduled.Rounds[1].SelectedRowIds.ToArray());
        CollectionAssert.AreNotEqual(random.Rounds[0].SelectedRowIds.ToArray(), scheduled.Rounds[1].SelectedRowIds.ToArray());
    }

    /// <summary>Answers from the label column, and cancels the run after a given number of answers.</summary>
    private sealed class StoppingOracle(int stopAfter, CancellationTokenSource cancel) : IOracle
    {
        private readonly IOracle _inner = Oracles.FromLabelColumn();
        private int _answers;

        public async IAsyncEnumerable<OracleAnswer> LabelAsync(OracleQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var answer in _inner.LabelAsync(query, cancellationToken))
            {
                if (++_answers > stopAfter) cancel.Cancel();
                cancellationToken.ThrowIfCancellationRequested();
                yield return answer;
            }
        }
    }

    [TestMethod]
    public void ColdStartAndScheduleResumeToTheUninterruptedRun()
    {
        var reference = FitDigits(Scheduled(null), Oracles.FromLabelColumn());
        using var directory = new TemporaryDirectory("energizer-coldstart-");
        using (var cancel = new CancellationTokenSource())
        {
            // 10 initial answers + 13: three rows into round 1's query, the first made by the schedule's Margin.
            Assert.ThrowsExactly<OperationCanceledException>(() => FitDigits(Scheduled(directory.Path), new StoppingOracle(23, cancel), cancel.Token));
        }
        var resumed = FitDigits(Scheduled(directory.Path), Oracles.FromLabelColumn());
        CollectionAssert.AreEqual(reference.LabelledRowIds.ToArray(), resumed.LabelledRowIds.ToArray());
        for (int i = 0; i < reference.Rounds.Count; i++)
            CollectionAssert.AreEqual(reference.Rounds[i].SelectedRowIds.ToArray(), resumed.Rounds[i].SelectedRowIds.ToArray());
    }
}
