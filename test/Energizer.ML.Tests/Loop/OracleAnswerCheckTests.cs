using System.Runtime.CompilerServices;
using Energizer.ML.Acquisition;
using Energizer.ML.Loop;
using Microsoft.ML;

namespace Energizer.ML.Tests.Loop;

/// <summary>Oracle answers that the label column's type cannot hold exactly are refused, naming the row and column.</summary>
[TestClass]
public sealed class OracleAnswerCheckTests
{
    /// <summary>Answers from the label column, except the first two rows of round <paramref name="round"/> (−1: the initial set): key 11 and the number 3.7.</summary>
    private sealed class OutOfRangeOracle(int round = 0) : IOracle
    {
        private readonly IOracle _inner = Oracles.FromLabelColumn();

        public List<long> Replaced { get; } = [];

        public async IAsyncEnumerable<OracleAnswer> LabelAsync(OracleQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var answer in _inner.LabelAsync(query, cancellationToken))
            {
                if (query.Round == round && Replaced.Count < 2)
                {
                    Replaced.Add(answer.RowId);
                    yield return new OracleAnswer(answer.RowId, Replaced.Count == 1 ? 11u : (object)3.7);
                    continue;
                }
                yield return answer;
            }
        }
    }

    /// <summary>10 initial labels and one query of 10 on digits.</summary>
    private static ActiveLearningResult Run(IOracle oracle)
    {
        var ml = new MLContext(1);
        var (pool, _) = Digits.Split(ml);
        return ml.ActiveLearning().Trainer(new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.Margin,
            QuerySize = 10,
            InitialLabelledCount = 10,
            MaxRounds = 1,
            Seed = 7,
        }).Fit(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(
            new Microsoft.ML.Trainers.LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1 }), pool, oracle);
    }

    [TestMethod]
    public void AKeyAboveTheKeyCountAndAFractionalNumberAreRefusedNamingRowAndColumn()
    {
        var oracle = new OutOfRangeOracle();
        var result = Run(oracle);

        // The label column is Key<UInt32, 0-9>: keys 1..10 are the ten digits, so 11 names no class,
        // and 3.7 would have been rounded to key 4 (digit 3) without a word.
        var round0 = result.Rounds[0];
        Assert.HasCount(2, round0.Rejections);
        Assert.AreEqual($"Row {oracle.Replaced[0]}, column 'Label': key 11 is above the column's key count 10; the row stays unlabelled.", round0.Rejections[0]);
        Assert.AreEqual($"Row {oracle.Replaced[1]}, column 'Label': 3.7 is not a whole number, so it cannot be a key; the row stays unlabelled.", round0.Rejections[1]);
        CollectionAssert.AreEquivalent(oracle.Replaced, round0.UnlabelledRowIds.ToList());
        Assert.AreEqual(18, result.Labels.Count, "10 initial labels and the 8 valid answers of round 0 are kept");
        Assert.IsFalse(result.Labels.ContainsKey(oracle.Replaced[0]));
        Assert.IsFalse(result.Labels.ContainsKey(oracle.Replaced[1]));
    }

    [TestMethod]
    public void RefusalsWhileTheInitialSetIsLabelledReachTheResult()
    {
        // They were only logged before: the initial set has no RoundReport of its own.
        var oracle = new OutOfRangeOracle(round: -1);
        var result = Run(oracle);

        Assert.HasCount(2, result.InitialRejections);
        Assert.AreEqual($"Row {oracle.Replaced[0]}, column 'Label': key 11 is above the column's key count 10; the row stays unlabelled.", result.InitialRejections[0]);
        Assert.AreEqual($"Row {oracle.Replaced[1]}, column 'Label': 3.7 is not a whole number, so it cannot be a key; the row stays unlabelled.", result.InitialRejections[1]);
        Assert.IsEmpty(result.Rounds[0].Rejections, "round 0's own query had none");
        Assert.AreEqual(18, result.Labels.Count, "8 valid initial labels and round 0's 10");
    }
}
