using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Loop;
using Energizer.ML.Torch;
using Microsoft.ML;

namespace Energizer.ML.Tests.Loop;

/// <summary>Warm-start weights and the checkpoint stay a consistent pair whenever the process dies.</summary>
[TestClass]
public sealed class WarmStartCheckpointTests
{
    private sealed class SimulatedKill : Exception;

    private static ActiveLearningResult Run(string? dir, Action<int>? afterWeightsWritten = null)
    {
        var ml = new MLContext(0);
        var pool = ThreeClassPool.Create(ml);
        var trainer = ml.ActiveLearning().Trainer(new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.Entropy,
            Inference = InferenceMode.Deterministic,
            QuerySize = 4,
            InitialLabelledCount = 6,
            MaxRounds = 3,
            Seed = 3,
            ResetWeights = false,
            EpochsPerRound = 3,
            CheckpointDirectory = dir,
        });
        trainer.AfterWarmStartWeightsWritten = afterWeightsWritten;
        var learner = ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = Networks.Mlp([8], 0.2),
            BatchSize = 8,
            LearningRate = 3e-2,
            Seed = 5,
        });
        return trainer.Fit(learner, pool, Oracles.FromLabelColumn(), evaluation: pool);
    }

    [TestMethod]
    public void AKillBetweenTheWeightsAndTheCheckpointResumesFromTheRightWeights()
    {
        var reference = Run(null);
        string dir = ThreeClassPool.TempDirectory();
        try
        {
            // Killed after round 2's weights are on disk but before the checkpoint that names them:
            // the checkpoint still describes round 1, whose weights round 2 must warm-start from.
            Assert.ThrowsExactly<SimulatedKill>(() => Run(dir, round =>
            {
                if (round == 2) throw new SimulatedKill();
            }));
            var resumed = Run(dir);

            Assert.AreEqual(reference.Rounds.Count, resumed.Rounds.Count);
            for (int i = 0; i < reference.Rounds.Count; i++)
            {
                CollectionAssert.AreEqual(reference.Rounds[i].SelectedRowIds.ToArray(), resumed.Rounds[i].SelectedRowIds.ToArray(), $"round {i}");
                Assert.AreEqual(reference.Rounds[i].Metrics, resumed.Rounds[i].Metrics, $"round {i}");
            }
            // Only the weights the checkpoint names are kept: round 2's (the last query's).
            CollectionAssert.AreEqual(new[] { "energizer-warm-start-round-2.bin" },
                Directory.GetFiles(dir, "energizer-warm-start*").Select(Path.GetFileName).ToArray());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void WeightsThatDoNotMatchTheCheckpointAreRefused()
    {
        string dir = ThreeClassPool.TempDirectory();
        try
        {
            Assert.ThrowsExactly<SimulatedKill>(() => Run(dir, round =>
            {
                if (round == 2) throw new SimulatedKill();
            }));
            string weights = Path.Combine(dir, "energizer-warm-start-round-1.bin");
            var bytes = File.ReadAllBytes(weights);
            bytes[^1] ^= 0xFF;
            File.WriteAllBytes(weights, bytes);
            var error = Assert.ThrowsExactly<InvalidDataException>(() => Run(dir));
            StringAssert.Contains(error.Message, "energizer-warm-start-round-1.bin");
            StringAssert.Contains(error.Message, "SHA-256 does not match the checkpoint's");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
