using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Loop;
using Energizer.ML.Torch;
using Microsoft.ML;

namespace Energizer.ML.Tests.Loop;

[TestClass]
public sealed class TorchLoopTests
{
    private static TorchClassifierTrainer Mlp(MLContext ml, int seed) => ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
    {
        Network = Networks.Mlp([128], 0.3),
        Epochs = 100,
        BatchSize = 32,
        LearningRate = 3e-3,
        Seed = seed,
    });

    private static ActiveLearningResult Run(AcquisitionStrategy strategy, InferenceMode inference, int seed, int rounds = 30, ActiveLearningOptions? options = null)
    {
        var ml = new MLContext(seed);
        var (pool, test) = Digits.Split(ml);
        options ??= new ActiveLearningOptions();
        options.Strategy = strategy;
        options.Inference = inference;
        options.QuerySize = 10;
        options.InitialLabelledCount = 10;
        options.MaxRounds = rounds;
        options.Seed = seed;
        return ml.ActiveLearning().Trainer(options).Fit(Mlp(ml, seed), pool, Oracles.FromLabelColumn(), test);
    }

    [TestMethod]
    public void McDropoutBaldAndEntropyBeatRandomWithAnMlp()
    {
        // The Digits sample's protocol: 10 random initial labels, 10 per round, 30 rounds.
        var mc = InferenceMode.McDropout(iterations: 20, consistent: true);
        int[] seeds = [0, 1];
        double bald = seeds.Average(s => Run(AcquisitionStrategy.Bald, mc, s).AreaUnderLearningCurve);
        double entropy = seeds.Average(s => Run(AcquisitionStrategy.Entropy, mc, s).AreaUnderLearningCurve);
        double random = seeds.Average(s => Run(AcquisitionStrategy.SeededRandom(s), InferenceMode.Deterministic, s).AreaUnderLearningCurve);
        string figures = $"area under the learning curve: BALD {bald:F4}, Entropy {entropy:F4}, Random {random:F4}";
        Assert.IsTrue(bald > random, figures);
        Assert.IsTrue(entropy > random, figures);
    }

    [TestMethod]
    public void WarmStartContinuesFromThePreviousRoundsWeights()
    {
        var mc = InferenceMode.McDropout(iterations: 5, consistent: true);
        var reset = Run(AcquisitionStrategy.Entropy, mc, 3, rounds: 3, new ActiveLearningOptions { EpochsPerRound = 5 });
        var warm = Run(AcquisitionStrategy.Entropy, mc, 3, rounds: 3, new ActiveLearningOptions { EpochsPerRound = 5, ResetWeights = false });
        // Round 0 is the same fit (no previous weights); later rounds start elsewhere, so they differ.
        Assert.AreEqual(reset.Rounds[0].Metrics, warm.Rounds[0].Metrics);
        CollectionAssert.AreEqual(reset.Rounds[0].SelectedRowIds.ToArray(), warm.Rounds[0].SelectedRowIds.ToArray());
        Assert.AreNotEqual(reset.Rounds[2].Metrics, warm.Rounds[2].Metrics);
        // 5 epochs from scratch on 30 rows underfit; warm starting accumulates 15 epochs by round 2.
        Assert.IsTrue(warm.Rounds[2].Metrics!.MicroAccuracy > reset.Rounds[2].Metrics!.MicroAccuracy,
            $"warm {warm.Rounds[2].Metrics!.MicroAccuracy:F4} vs reset {reset.Rounds[2].Metrics!.MicroAccuracy:F4}");
    }

    [TestMethod]
    public void TheLoopAndItsTorchClassifierLogThroughMlContextLog()
    {
        var ml = new MLContext(0);
        var messages = new List<string>();
        ml.Log += (_, e) =>
        {
            lock (messages) messages.Add(e.Message);
        };
        var (pool, test) = Digits.Split(ml);
        var options = new ActiveLearningOptions { QuerySize = 10, MaxRounds = 1, EpochsPerRound = 2 };
        ml.ActiveLearning().Trainer(options).Fit(Mlp(ml, 0), pool, Oracles.FromLabelColumn(), test);
        Assert.IsTrue(messages.Any(m => m.Contains("TorchClassifier: 10 training rows", StringComparison.Ordinal)), "the network's own log lines");
        Assert.IsTrue(messages.Any(m => m.Contains("Round 0: fitted on 10 labels", StringComparison.Ordinal)), "the loop's lines");
    }

    [TestMethod]
    public void WarmStartNeedsATorchClassifierLearner()
    {
        var ml = new MLContext(0);
        var (pool, _) = Digits.Split(ml);
        var options = new ActiveLearningOptions { ResetWeights = false };
        var error = Assert.ThrowsExactly<ArgumentException>(() =>
            ml.ActiveLearning().Trainer(options).Fit(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(), pool, Oracles.FromLabelColumn()));
        StringAssert.Contains(error.Message, "need the learner to be a TorchClassifierTrainer");
    }
}
