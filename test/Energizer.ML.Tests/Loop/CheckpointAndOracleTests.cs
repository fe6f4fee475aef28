using System.Runtime.CompilerServices;
using Energizer.ML.Acquisition;
using Energizer.ML.Loop;
using Microsoft.ML;

namespace Energizer.ML.Tests.Loop;

[TestClass]
public sealed class CheckpointAndOracleTests
{
    private static IEstimator<ITransformer> Logistic(MLContext ml) =>
        ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new Microsoft.ML.Trainers.LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1 });

    private static ActiveLearningOptions Options(string? dir, int seed = 7) => new()
    {
        Strategy = AcquisitionStrategy.Margin,
        QuerySize = 10,
        InitialLabelledCount = 10,
        MaxRounds = 4,
        Seed = seed,
        CheckpointDirectory = dir,
    };

    private static ActiveLearningOptions WithRounds(ActiveLearningOptions options, int rounds)
    {
        options.MaxRounds = rounds;
        return options;
    }

    private static ActiveLearningResult Fit(ActiveLearningOptions options, IOracle oracle, CancellationToken cancel = default)
    {
        var ml = new MLContext(1);
        var (pool, test) = Digits.Split(ml);
        return ml.ActiveLearning().Trainer(options).Fit(Logistic(ml), pool, oracle, test, cancellationToken: cancel);
    }

    private static string TempDir() => Directory.CreateTempSubdirectory("energizer-ckpt-").FullName;

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
    public void CancelledMidRoundResumesToTheSameRunAsAnUninterruptedOne()
    {
        var reference = Fit(Options(null), Oracles.FromLabelColumn());
        string dir = TempDir();
        try
        {
            using var cancel = new CancellationTokenSource();
            // 10 initial answers + 13 = three rows into round 1's query.
            Assert.ThrowsExactly<OperationCanceledException>(() => Fit(Options(dir), new StoppingOracle(23, cancel), cancel.Token));
            var resumed = Fit(Options(dir), Oracles.FromLabelColumn());

            CollectionAssert.AreEqual(reference.LabelledRowIds.ToArray(), resumed.LabelledRowIds.ToArray());
            Assert.AreEqual(reference.Rounds.Count, resumed.Rounds.Count);
            for (int i = 0; i < reference.Rounds.Count; i++)
            {
                CollectionAssert.AreEqual(reference.Rounds[i].SelectedRowIds.ToArray(), resumed.Rounds[i].SelectedRowIds.ToArray());
                Assert.AreEqual(reference.Rounds[i].Metrics, resumed.Rounds[i].Metrics);
            }
            Assert.AreEqual(reference.AreaUnderLearningCurve, resumed.AreaUnderLearningCurve);

            // Fitting again with the finished checkpoint asks for nothing and returns the same run.
            var again = Fit(Options(dir), new StoppingOracle(0, new CancellationTokenSource()));
            CollectionAssert.AreEqual(reference.LabelledRowIds.ToArray(), again.LabelledRowIds.ToArray());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void CheckpointIsSavedAfterEveryLabel()
    {
        string dir = TempDir();
        try
        {
            using var cancel = new CancellationTokenSource();
            Assert.ThrowsExactly<OperationCanceledException>(() => Fit(Options(dir), new StoppingOracle(4, cancel), cancel.Token));
            string text = File.ReadAllText(Path.Combine(dir, "energizer-checkpoint.json"));
            // Four initial rows were answered before the fifth answer cancelled the run.
            Assert.AreEqual(4, text.Split("\"RowId\"").Length - 1);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void CorruptCheckpointIsReportedAndLeftUntouched()
    {
        string dir = TempDir();
        try
        {
            Fit(WithRounds(Options(dir), 1), Oracles.FromLabelColumn());
            string path = Path.Combine(dir, "energizer-checkpoint.json");
            string text = File.ReadAllText(path).Replace("\"Round\": 0", "\"Round\": 9", StringComparison.Ordinal);
            File.WriteAllText(path, text);
            var error = Assert.ThrowsExactly<InvalidDataException>(() => Fit(WithRounds(Options(dir), 1), Oracles.FromLabelColumn()));
            StringAssert.Contains(error.Message, "is corrupt");
            Assert.AreEqual(text, File.ReadAllText(path), "the corrupt file is not overwritten");

            File.WriteAllText(path, "{}");
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Fit(Options(dir), Oracles.FromLabelColumn())).Message,
                "is not an Energizer.ML checkpoint");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void CheckpointOfAnotherRunIsRefused()
    {
        string dir = TempDir();
        try
        {
            Fit(WithRounds(Options(dir), 1), Oracles.FromLabelColumn());
            var error = Assert.ThrowsExactly<InvalidDataException>(() => Fit(WithRounds(Options(dir, seed: 8), 1), Oracles.FromLabelColumn()));
            StringAssert.Contains(error.Message, "was written by a different run");
            StringAssert.Contains(error.Message, "seed=7");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>Answers every row, plus one it was not asked about and one with an unknown label.</summary>
    private sealed class SloppyOracle : IOracle
    {
        private readonly IOracle _inner = Oracles.FromLabelColumn();

        public async IAsyncEnumerable<OracleAnswer> LabelAsync(OracleQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            bool first = true;
            await foreach (var answer in _inner.LabelAsync(query, cancellationToken))
            {
                if (first && query.Round >= 0)
                {
                    first = false;
                    yield return new OracleAnswer(answer.RowId, 11u); // not one of the ten digits
                    yield return new OracleAnswer(-5, 1u);            // a row nobody asked about
                    continue;
                }
                yield return answer;
            }
        }
    }

    [TestMethod]
    public void UnknownLabelsAndUnaskedRowsAreRejectedAndTheValidLabelsKept()
    {
        var options = WithRounds(Options(null), 1);
        options.ValidLabels = [.. Enumerable.Range(1, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        var result = Fit(options, new SloppyOracle());
        var round0 = result.Rounds[0];
        Assert.AreEqual(2, round0.Rejections.Count);
        // Key 11 is refused before ValidLabels is consulted: the column's keys stop at 10.
        StringAssert.Contains(round0.Rejections[0], "key 11 is above the column's key count 10");
        StringAssert.Contains(round0.Rejections[1], "row -5, which it was not asked about");
        Assert.AreEqual(1, round0.UnlabelledRowIds.Count);
        Assert.AreEqual(round0.SelectedRowIds[0], round0.UnlabelledRowIds[0]);
        Assert.AreEqual(19, result.Labels.Count, "the nine valid answers of round 0 are kept");
    }

    [TestMethod]
    public void BadOptionsAreRefusedByName()
    {
        var ml = new MLContext(0);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.ActiveLearning().Trainer(new ActiveLearningOptions { QuerySize = 0 })).Message, "QuerySize must be at least 1");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.ActiveLearning().Trainer(new ActiveLearningOptions { InitialLabelledCount = 20, Budget = 10 })).Message,
            "Budget (10) is smaller than the initial labelled set (20)");
        var plateau = new ActiveLearningOptions();
        plateau.StoppingCriteria.Add(StoppingCriterion.MetricPlateau());
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.ActiveLearning().Trainer(plateau)).Message, "ValidationFraction");
    }

    [TestMethod]
    public void EvaluationSetWithAnotherSchemaIsRefused()
    {
        var ml = new MLContext(0);
        var (pool, _) = Digits.Split(ml);
        var other = ml.Data.LoadFromEnumerable(new[] { new { Features = 1f, Label = 2u } }.Select(r => new OtherRow { Features = r.Features, Label = r.Label }));
        var error = Assert.ThrowsExactly<ArgumentException>(() =>
            ml.ActiveLearning().Trainer(Options(null)).Fit(Logistic(ml), pool, Oracles.FromLabelColumn(), other));
        StringAssert.Contains(error.Message, "Evaluation column 'Features'");
    }

    [TestMethod]
    public void LearnerThatIsNotAMulticlassChainIsRefused()
    {
        var ml = new MLContext(0);
        var (pool, test) = Digits.Split(ml);
        var notAClassifier = ml.Transforms.NormalizeMinMax("Features");
        var error = Assert.ThrowsExactly<ArgumentException>(() =>
            ml.ActiveLearning().Trainer(Options(null)).Fit(notAClassifier, pool, Oracles.FromLabelColumn(), test));
        StringAssert.Contains(error.Message, "'Score' column");
        var noEvaluation = Assert.ThrowsExactly<ArgumentException>(() =>
            ml.ActiveLearning().Trainer(Options(null)).Fit(notAClassifier, pool, Oracles.FromLabelColumn()));
        StringAssert.Contains(noEvaluation.Message, "'Score' column");
    }

    private sealed class OtherRow
    {
        public float Features { get; set; }

        [Microsoft.ML.Data.KeyType(10)]
        public uint Label { get; set; }
    }
}
