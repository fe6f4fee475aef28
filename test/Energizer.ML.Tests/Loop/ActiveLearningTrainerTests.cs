using Energizer.ML.Acquisition;
using Energizer.ML.Loop;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Loop;

[TestClass]
public sealed class ActiveLearningTrainerTests
{
    /// <summary>
    /// L-BFGS maximum entropy with scikit-learn's C = 1 (L1 = 0, L2 = 1): ML.NET's default L1 = 1
    /// learns little from a few dozen rows (README, "Learners for few labels").
    /// </summary>
    private static IEstimator<ITransformer> Logistic(MLContext ml) =>
        ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new Microsoft.ML.Trainers.LbfgsMaximumEntropyMulticlassTrainer.Options
        {
            NumberOfThreads = 1,
            L1Regularization = 0,
            L2Regularization = 1,
        });

    private static ActiveLearningResult Run(AcquisitionStrategy strategy, int seed, int rounds, string? checkpoint = null,
        CancellationToken cancel = default, IOracle? oracle = null, int? budget = null)
    {
        var ml = new MLContext(seed);
        var (pool, test) = Digits.Split(ml);
        var options = new ActiveLearningOptions
        {
            Strategy = strategy,
            QuerySize = 10,
            InitialLabelledCount = 10,
            MaxRounds = rounds,
            Budget = budget,
            Seed = seed,
            CheckpointDirectory = checkpoint,
        };
        return ml.ActiveLearning().Trainer(options).Fit(Logistic(ml), pool, oracle ?? Oracles.FromLabelColumn("Label"), test, cancellationToken: cancel);
    }

    [TestMethod]
    public void MarginBeatsRandomOnDigitsByAClearMargin()
    {
        // Protocol of issue 6: logistic regression, 10 random initial labels, 10 per round, 30 rounds.
        // (modAL on the same protocol: Margin 0.904, Random 0.869 mean accuracy.) Two seeds keep the test short.
        int[] seeds = [1, 2];
        double margin = seeds.Average(s => Run(AcquisitionStrategy.Margin, s, 30).MeanAccuracy);
        double random = seeds.Average(s => Run(AcquisitionStrategy.Random, s, 30).MeanAccuracy);
        Console.WriteLine($"mean accuracy over rounds: Margin {margin:F4}, Random {random:F4}");
        // Seeds 1-5 (README): Margin 0.907 ± 0.007, Random 0.879 ± 0.009.
        Assert.IsTrue(margin > random + 0.015, $"Margin {margin:F4} should beat Random {random:F4} by more than 0.015");
        Assert.IsTrue(margin > 0.89, $"Margin's mean accuracy {margin:F4} is below modAL's level on digits (0.904)");
    }

    [TestMethod]
    public void RoundsFollowTheBudgetAndTheLastQueryIsCut()
    {
        // 10 initial + 10 + 5 = budget 25: fits at 10, 20 and 25 labels; the last fit stops the loop.
        var result = Run(AcquisitionStrategy.Entropy, 3, rounds: 50, budget: 25);
        CollectionAssert.AreEqual(new[] { 10, 20, 25 }, result.Rounds.Select(r => r.LabelledCount).ToArray());
        CollectionAssert.AreEqual(new[] { 10, 5, 0 }, result.Rounds.Select(r => r.SelectedRowIds.Count).ToArray());
        StringAssert.Contains(result.StopReason, "budget of 25 labels is spent");
        Assert.AreEqual(25, result.LabelledRowIds.Count);
        Assert.AreEqual(25, result.LabelledRowIds.Distinct().Count());
        Assert.IsTrue(result.Rounds.All(r => r.Metrics is { MicroAccuracy: > 0 and <= 1 }));
    }

    [TestMethod]
    public void MaxRoundsMeansThatManyQueriesThenAFinalFit()
    {
        var result = Run(AcquisitionStrategy.Margin, 4, rounds: 3);
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3 }, result.Rounds.Select(r => r.Round).ToArray());
        CollectionAssert.AreEqual(new[] { 10, 20, 30, 40 }, result.Rounds.Select(r => r.LabelledCount).ToArray());
        StringAssert.Contains(result.StopReason, "3 rounds were made");
        // Bookkeeping: the initial rows are round −1, then each query's rows carry their round.
        Assert.AreEqual(10, result.LabelledRound.Values.Count(r => r == -1));
        for (int round = 0; round < 3; round++)
        {
            CollectionAssert.AreEquivalent(result.Rounds[round].SelectedRowIds.ToArray(),
                result.LabelledRound.Where(kv => kv.Value == round).Select(kv => kv.Key).ToArray());
            Assert.AreEqual(10 * (round + 1), result.LabelledBefore(round).Count);
        }
        // Selected rows are never rows labelled before.
        for (int round = 0; round < 3; round++)
            Assert.IsFalse(result.Rounds[round].SelectedRowIds.Any(result.LabelledBefore(round).Contains));
    }

    [TestMethod]
    public void PoolExhaustionStopsTheLoop()
    {
        var ml = new MLContext(0);
        var rows = Digits.Rows.Take(40).ToList();
        var pool = ml.Data.LoadFromEnumerable(rows);
        var options = new ActiveLearningOptions { Strategy = AcquisitionStrategy.Entropy, QuerySize = 15, InitialLabelledCount = 20 };
        var result = ml.ActiveLearning().Trainer(options).Fit(Logistic(ml), pool, Oracles.FromLabelColumn());
        CollectionAssert.AreEqual(new[] { 20, 35, 40 }, result.Rounds.Select(r => r.LabelledCount).ToArray());
        StringAssert.Contains(result.StopReason, "pool is exhausted");
    }

    [TestMethod]
    public void LabelledRowsExportAsDataViewAndCsv()
    {
        var result = Run(AcquisitionStrategy.Entropy, 5, rounds: 1);
        var data = result.LabelledData();
        var labels = data.GetColumn<uint>("Label").ToArray();
        Assert.AreEqual(20, labels.Length);
        string dir = Directory.CreateTempSubdirectory("energizer-export-").FullName;
        try
        {
            result.SaveLabelsCsv(Path.Combine(dir, "labels.csv"));
            var lines = File.ReadAllLines(Path.Combine(dir, "labels.csv"));
            Assert.AreEqual("RowId,Label,Round", lines[0]);
            Assert.AreEqual(21, lines.Length);
            var first = lines[1].Split(',');
            Assert.AreEqual(result.Labels[long.Parse(first[0])].ToString(), first[1]);
            Assert.AreEqual("-1", first[2]);
            result.SaveHistoryCsv(Path.Combine(dir, "history.csv"));
            Assert.AreEqual(3, File.ReadAllLines(Path.Combine(dir, "history.csv")).Length);
            result.SaveHistoryJson(Path.Combine(dir, "history.json"));
            StringAssert.Contains(File.ReadAllText(Path.Combine(dir, "history.json")), "\"LabelledCount\": 20");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void ColdStartQueriesAtRandomFirst()
    {
        var ml = new MLContext(0);
        var (pool, _) = Digits.Split(ml);
        var options = new ActiveLearningOptions { Strategy = AcquisitionStrategy.Margin, QuerySize = 10, InitialLabelledCount = 0, MaxRounds = 2 };
        var result = ml.ActiveLearning().Trainer(options).Fit(Logistic(ml), pool, Oracles.FromLabelColumn());
        CollectionAssert.AreEqual(new[] { 0, 10, 20 }, result.Rounds.Select(r => r.LabelledCount).ToArray());
        Assert.AreEqual(10, result.Rounds[0].SelectedRowIds.Count);
    }

    [TestMethod]
    public void StratifiedInitialSetCoversEveryDigit()
    {
        var ml = new MLContext(0);
        var (pool, _) = Digits.Split(ml);
        var options = new ActiveLearningOptions { InitialLabelledCount = 20, StratifyColumnName = "Label", MaxRounds = 0 };
        var result = ml.ActiveLearning().Trainer(options).Fit(Logistic(ml), pool, Oracles.FromLabelColumn());
        // 20 rows over 10 nearly equal classes: 2 of each digit.
        var perDigit = result.Labels.Values.GroupBy(v => (uint)v).ToDictionary(g => g.Key, g => g.Count());
        Assert.AreEqual(10, perDigit.Count);
        Assert.IsTrue(perDigit.Values.All(c => c == 2));
    }
}
