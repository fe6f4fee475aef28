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

    private sealed class Fruit
    {
        public string Label { get; set; } = "";

        [VectorType(2)]
        public float[] Features { get; set; } = [];
    }

    /// <summary>Three string classes at three corners, a few rows each, with some noise.</summary>
    private static IDataView Fruits(MLContext ml)
    {
        var random = new Random(4);
        string[] names = ["pear", "apple", "fig"];
        float[][] centres = [[0, 0], [3, 0], [0, 3]];
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, 60).Select(i => new Fruit
        {
            Label = names[i % 3],
            Features = [centres[i % 3][0] + (float)random.NextDouble(), centres[i % 3][1] + (float)random.NextDouble()],
        }).ToList());
    }

    [TestMethod]
    public void MembersThatNumberTheClassesDifferentlyAreAlignedByClassName()
    {
        // Member 0 numbers the classes by first occurrence (pear, apple, fig), member 1 by value
        // (apple, fig, pear): the same class must be averaged with itself.
        var ml = new MLContext(0);
        var data = Fruits(ml);
        var committee = ml.ActiveLearning().Ensemble(k => ml.Transforms.Conversion.MapValueToKey("Label",
                keyOrdinality: k == 0 ? Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByOccurrence : Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(Logistic(ml)), members: 2, bootstrap: false).Fit(data);
        Assert.IsNull(committee.MemberClassOrder[0]);
        // Member 1's apple, fig, pear sit at member 0's positions 1, 2, 0.
        CollectionAssert.AreEqual(new[] { 1, 2, 0 }, committee.MemberClassOrder[1]);

        var rows = ml.Data.TakeRows(data, 6);
        var first = committee.Members[0].Transform(rows).GetColumn<float[]>("Score").ToArray();
        var second = committee.Members[1].Transform(rows).GetColumn<float[]>("Score").ToArray();
        var scored = committee.Transform(rows);
        var mean = scored.GetColumn<float[]>("Score").ToArray();
        var memberOne = scored.GetColumn<float[]>(EnsembleTransformer.MemberScoreName(1)).ToArray();
        for (int n = 0; n < 6; n++)
        {
            // pear: member 0's class 0, member 1's class 2; apple: 1 and 0; fig: 2 and 1.
            float[] secondInFirstOrder = [second[n][2], second[n][0], second[n][1]];
            CollectionAssert.AreEqual(secondInFirstOrder, memberOne[n]);
            for (int c = 0; c < 3; c++) Assert.AreEqual((first[n][c] + secondInFirstOrder[c]) / 2, mean[n][c], 1e-6f, $"row {n}, class {c}");
        }
        // The mean keeps member 0's class names and classifies the rows (pear, apple, fig, pear, ...).
        VBuffer<ReadOnlyMemory<char>> names = default;
        scored.Schema["Score"].GetSlotNames(ref names);
        CollectionAssert.AreEqual(new[] { "pear", "apple", "fig" }, names.DenseValues().Select(n => n.ToString()).ToArray());
        CollectionAssert.AreEqual(new uint[] { 1, 2, 3, 1, 2, 3 }, scored.GetColumn<uint>("PredictedLabel").ToArray());
        // The label leaves the committee as member 0 mapped it (a key in its class order), so the
        // committee evaluates like one of its members.
        Assert.IsInstanceOfType<KeyDataViewType>(scored.Schema["Label"].Type);
        Assert.IsGreaterThan(0.9, ml.MulticlassClassification.Evaluate(committee.Transform(data)).MicroAccuracy);
    }

    [TestMethod]
    public void MembersWithDifferentClassesAreRefusedByName()
    {
        var ml = new MLContext(0);
        var data = Fruits(ml);
        var pearAppleKiwi = ml.Data.LoadFromEnumerable(new[] { new Fruit { Label = "pear" }, new Fruit { Label = "apple" }, new Fruit { Label = "kiwi" } }.ToList());
        var error = Assert.ThrowsExactly<ArgumentException>(() => ml.ActiveLearning().Ensemble(k => ml.Transforms.Conversion.MapValueToKey("Label",
                keyData: k == 0 ? null : ml.Transforms.SelectColumns("Label").Fit(pearAppleKiwi).Transform(pearAppleKiwi))
            .Append(Logistic(ml)), members: 2, bootstrap: false).Fit(data));
        StringAssert.Contains(error.Message, "Ensemble member 1 predicts the classes 'pear', 'apple', 'kiwi' but member 0 predicts 'pear', 'apple', 'fig'");
        StringAssert.Contains(error.Message, "MapValueToKey with keyData");
    }
}
