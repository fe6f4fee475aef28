using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Loop;
using Energizer.ML.Tests.Loop;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Inference;

[TestClass]
public sealed class EnsembleTests
{
    private static IEstimator<ITransformer> Logistic(MLContext ml) =>
        ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new Microsoft.ML.Trainers.LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1, MaximumNumberOfIterations = 30 });

    [TestMethod]
    public void CommitteeScoreIsTheMembersMeanAndEachMemberFeedsTheStrategy()
    {
        var ml = new MLContext(0);
        var data = ml.Data.LoadFromEnumerable(Digits.Rows.Take(300));
        var committee = ml.ActiveLearning().Ensemble(_ => Logistic(ml), members: 3, bootstrap: true, seed: 5).Fit(data);
        Assert.AreEqual(3, committee.Members.Count);

        var rows = ml.Data.TakeRows(data, 20);
        var mean = committee.Transform(rows).GetColumn<float[]>("Score").ToArray();
        var members = committee.Members.Select(m => m.Transform(rows).GetColumn<float[]>("Score").ToArray()).ToArray();
        for (int n = 0; n < 20; n++)
            for (int c = 0; c < 10; c++)
                Assert.AreEqual((members[0][n][c] + members[1][n][c] + members[2][n][c]) / 3, mean[n][c], 1e-6f);
        CollectionAssert.AreNotEqual(members[0][0], members[1][0], "bootstrap resamples give different members");

        var metrics = ml.MulticlassClassification.Evaluate(committee.Transform(data));
        Assert.IsTrue(metrics.MicroAccuracy > 0.9, $"the committee classifies its training rows ({metrics.MicroAccuracy:F3})");

        // KL to consensus of row n = mean_k KL(p_k || mean p); computed here from the members' Score columns.
        var scored = ml.ActiveLearning().ScoreAcquisition(committee, AcquisitionStrategy.KlToConsensus, InferenceMode.Ensemble()).Fit(rows).Transform(rows);
        var kl = scored.GetColumn<float>("Acquisition").ToArray();
        for (int n = 0; n < 20; n++)
        {
            double expected = 0;
            for (int k = 0; k < 3; k++)
                for (int c = 0; c < 10; c++)
                    if (members[k][n][c] > 0) expected += members[k][n][c] * Math.Log(members[k][n][c] / mean[n][c]) / 3;
            Assert.AreEqual(expected, kl[n], 1e-4);
        }
    }

    [TestMethod]
    public void DeepEnsembleOfTorchClassifiersWithDifferentSeeds()
    {
        var ml = new MLContext(0);
        var data = ml.Data.LoadFromEnumerable(Digits.Rows.Take(200));
        var deep = ml.ActiveLearning().Ensemble(k => ml.MulticlassClassification.Trainers.TorchClassifier(
            new TorchClassifierOptions { Network = Networks.Mlp([16], 0), Epochs = 2, Seed = k }), members: 2, bootstrap: false).Fit(data);
        var bound = InferenceMode.Ensemble().Bind(deep, data.Schema, null, false);
        Assert.AreEqual(2, bound.Iterations);
        var first = deep.Members[0].Transform(data).GetColumn<float[]>("Score").First();
        var second = deep.Members[1].Transform(data).GetColumn<float[]>("Score").First();
        CollectionAssert.AreNotEqual(first, second, "different seeds give different networks");
    }

    [TestMethod]
    public void QueryByCommitteeRunsInTheLoop()
    {
        var ml = new MLContext(0);
        var (pool, test) = Digits.Split(ml);
        var options = new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.VoteEntropy,
            Inference = InferenceMode.Ensemble(),
            QuerySize = 10,
            MaxRounds = 2,
            Seed = 1,
        };
        var learner = ml.ActiveLearning().Ensemble(_ => Logistic(ml), members: 3);
        var result = ml.ActiveLearning().Trainer(options).Fit(learner, pool, Oracles.FromLabelColumn(), test);
        CollectionAssert.AreEqual(new[] { 10, 20, 30 }, result.Rounds.Select(r => r.LabelledCount).ToArray());
        Assert.IsTrue(result.Rounds[0].SelectedScores.All(s => s > 0), "the committee disagrees on the rows it selects");
    }

    [TestMethod]
    public void EnsembleInferenceNeedsAnEnsembleLearner()
    {
        var ml = new MLContext(0);
        var data = ml.Data.LoadFromEnumerable(Digits.Rows.Take(50));
        var single = Logistic(ml).Fit(data);
        var error = Assert.ThrowsExactly<ArgumentException>(() => InferenceMode.Ensemble().Bind(single, data.Schema, null, false));
        StringAssert.Contains(error.Message, "mlContext.ActiveLearning().Ensemble(...)");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.ActiveLearning().Ensemble(_ => Logistic(ml), members: 1)).Message,
            "at least 2 members");
    }
}
