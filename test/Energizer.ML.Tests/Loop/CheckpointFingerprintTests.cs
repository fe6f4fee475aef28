using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Loop;
using Energizer.ML.Torch;
using Microsoft.ML;

namespace Energizer.ML.Tests.Loop;

/// <summary>A checkpoint is resumed only by the run that wrote it: every parameter that changes selections is compared.</summary>
[TestClass]
public sealed class CheckpointFingerprintTests
{
    private static ActiveLearningOptions Options(string dir, AcquisitionStrategy strategy, InferenceMode? inference = null) => new()
    {
        Strategy = strategy,
        Inference = inference ?? InferenceMode.Deterministic,
        QuerySize = 5,
        InitialLabelledCount = 6,
        MaxRounds = 0,
        CheckpointDirectory = dir,
    };

    private static TorchClassifierTrainer Mlp(MLContext ml, double learningRate = 1e-2) => ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
    {
        Network = Networks.Mlp([8], 0.3),
        Epochs = 2,
        BatchSize = 8,
        LearningRate = learningRate,
    });

    /// <summary>Writes a checkpoint with the first options, resumes with the second; returns the refusal's message.</summary>
    private static string Refusal(
        ActiveLearningOptions first, ActiveLearningOptions second, Func<MLContext, IEstimator<ITransformer>>? learner = null,
        Func<MLContext, IDataView>? firstPool = null, Func<MLContext, IDataView>? secondPool = null)
    {
        string dir = first.CheckpointDirectory!;
        var ml = new MLContext(0);
        learner ??= ThreeClassPool.Logistic;
        ml.ActiveLearning().Trainer(first).Fit(learner(ml), firstPool?.Invoke(ml) ?? ThreeClassPool.Create(ml), Oracles.FromLabelColumn());
        string path = Path.Combine(dir, "energizer-checkpoint.json");
        byte[] before = File.ReadAllBytes(path);
        var pool = secondPool?.Invoke(ml) ?? ThreeClassPool.Create(ml);
        var error = Assert.ThrowsExactly<InvalidDataException>(() =>
            ml.ActiveLearning().Trainer(second).Fit(learner(ml), pool, Oracles.FromLabelColumn()));
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path), "the checkpoint is left byte for byte untouched");
        StringAssert.Contains(error.Message, "was written by a different run");
        return error.Message;
    }

    private static void InTempDirectory(Action<string> test)
    {
        string dir = ThreeClassPool.TempDirectory();
        try
        {
            test(dir);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void FingerprintsNameEveryParameter()
    {
        Assert.AreEqual("BADGE(seed=4)", AcquisitionStrategy.Badge(4).Fingerprint);
        Assert.AreEqual("Softmax(BALD, beta=2.5, seed=3)", AcquisitionStrategy.PowerBald(2.5, PowerBaldMode.Softmax, 3).Fingerprint);
        Assert.AreEqual("Combine(0.5·Random(seed=1) + 2·Margin)",
            AcquisitionStrategy.Combine((AcquisitionStrategy.SeededRandom(1), 0.5), (AcquisitionStrategy.Margin, 2)).Fingerprint);
        Assert.AreEqual("PreFilter(Entropy top 50 → BADGE(seed=2))",
            AcquisitionStrategy.PreFilter(AcquisitionStrategy.Entropy, 50, AcquisitionStrategy.Badge(2)).Fingerprint);
        Assert.AreEqual("MC-Dropout(T=20, consistent=True, p=0.25, inplace=False, seed=9, engine=Auto)",
            InferenceMode.McDropout(20, consistent: true, probability: 0.25, inplace: false, seed: 9).Fingerprint);
        Assert.AreEqual("Deterministic(engine=Auto)", InferenceMode.Deterministic.Fingerprint);
    }

    [TestMethod]
    public void AnotherRandomSeedIsRefused() => InTempDirectory(dir =>
    {
        string message = Refusal(Options(dir, AcquisitionStrategy.SeededRandom(1)), Options(dir, AcquisitionStrategy.SeededRandom(2)));
        StringAssert.Contains(message, "strategy=Random(seed=1) in the checkpoint, strategy=Random(seed=2) in this run");
    });

    [TestMethod]
    public void AnotherInitialStrategyOrScheduleIsRefused() => InTempDirectory(dir =>
    {
        var first = Options(dir, AcquisitionStrategy.Margin);
        first.InitialStrategy = AcquisitionStrategy.TypiClust(seed: 1);
        first.StrategySchedule.Add(new StrategyPhase(10, AcquisitionStrategy.Entropy));
        var second = Options(dir, AcquisitionStrategy.Margin);
        second.InitialStrategy = AcquisitionStrategy.TypiClust(seed: 2);
        second.StrategySchedule.Add(new StrategyPhase(10, AcquisitionStrategy.LeastConfidence));
        string message = Refusal(first, second);
        StringAssert.Contains(message, "initial strategy=TypiClust(seed=1, neighbours=20, maxClusters=500, minClusterSize=5) in the checkpoint, "
            + "initial strategy=TypiClust(seed=2, neighbours=20, maxClusters=500, minClusterSize=5) in this run");
        StringAssert.Contains(message, "strategy schedule=from 10 labels: Entropy in the checkpoint, strategy schedule=from 10 labels: LeastConfidence in this run");
        Assert.IsFalse(message.Contains("strategy=Margin", StringComparison.Ordinal), message);
    });

    [TestMethod]
    public void AnotherBatchBaldSampleCountIsRefused() => InTempDirectory(dir =>
    {
        // BatchBALD needs T > 1: MC-Dropout passes of an MLP.
        string message = Refusal(
            Options(dir, AcquisitionStrategy.BatchBald(100), InferenceMode.McDropout(5)),
            Options(dir, AcquisitionStrategy.BatchBald(200), InferenceMode.McDropout(5)),
            ml => Mlp(ml));
        StringAssert.Contains(message, "strategy=BatchBALD(samples=100, seed=0) in the checkpoint, strategy=BatchBALD(samples=200, seed=0) in this run");
    });

    [TestMethod]
    public void AnotherMcDropoutSeedIsRefused() => InTempDirectory(dir =>
    {
        string message = Refusal(
            Options(dir, AcquisitionStrategy.Bald, InferenceMode.McDropout(5, seed: 1)),
            Options(dir, AcquisitionStrategy.Bald, InferenceMode.McDropout(5, seed: 2)),
            ml => Mlp(ml));
        StringAssert.Contains(message,
            "inference=MC-Dropout(T=5, consistent=False, p=network's, inplace=True, seed=1, engine=Auto) in the checkpoint, "
            + "inference=MC-Dropout(T=5, consistent=False, p=network's, inplace=True, seed=2, engine=Auto) in this run");
    });

    [TestMethod]
    public void AnotherScoringEngineIsRefused() => InTempDirectory(dir =>
    {
        string message = Refusal(
            Options(dir, AcquisitionStrategy.Bald, InferenceMode.McDropout(5)),
            Options(dir, AcquisitionStrategy.Bald, InferenceMode.McDropout(5, engine: InferenceEngine.TorchSharp)),
            ml => Mlp(ml));
        StringAssert.Contains(message,
            "inference=MC-Dropout(T=5, consistent=False, p=network's, inplace=True, seed=0, engine=Auto) in the checkpoint, "
            + "inference=MC-Dropout(T=5, consistent=False, p=network's, inplace=True, seed=0, engine=TorchSharp) in this run");
    });

    [TestMethod]
    public void ASameSizePoolWithOtherRowsIsRefused() => InTempDirectory(dir =>
    {
        // Same 60 rows, schema and ids 0..59, but every x moved by 0.01: only the content differs.
        string message = Refusal(Options(dir, AcquisitionStrategy.Margin), Options(dir, AcquisitionStrategy.Margin),
            secondPool: ml => ThreeClassPool.Create(ml, shift: 0.01f));
        StringAssert.Contains(message, "pool content=");
        Assert.IsFalse(message.Contains("pool rows=", StringComparison.Ordinal), message);
        Assert.IsFalse(message.Contains("pool row ids=", StringComparison.Ordinal), message);
        Assert.IsFalse(message.Contains("strategy=", StringComparison.Ordinal), message);
    });

    [TestMethod]
    public void APoolWithOtherRowIdsIsRefused() => InTempDirectory(dir =>
    {
        var first = Options(dir, AcquisitionStrategy.Margin);
        first.IdColumnName = "Id";
        var second = Options(dir, AcquisitionStrategy.Margin);
        second.IdColumnName = "Id";
        string message = Refusal(first, second, firstPool: ml => WithIds(ml, 0), secondPool: ml => WithIds(ml, 1000));
        StringAssert.Contains(message, "pool row ids=");
    });

    [TestMethod]
    public void TheLearnerFingerprintNamesTheSparseUpdate()
    {
        var ml = new MLContext(0);
        var lazy = RunFingerprint.Learner(Mlp(ml), Options("unused", AcquisitionStrategy.Margin));
        var dense = RunFingerprint.Learner(
            ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions { SparseUpdate = SparseUpdate.Dense }), Options("unused", AcquisitionStrategy.Margin));
        StringAssert.Contains(lazy, "WeightDecay=0, SparseUpdate=Lazy, Seed=0");
        StringAssert.Contains(dense, "SparseUpdate=Dense");
    }

    [TestMethod]
    public void OtherLearnerSettingsAreLoggedAndTheRunResumes() => InTempDirectory(dir =>
    {
        var ml = new MLContext(0);
        var messages = new List<string>();
        ml.Log += (_, e) =>
        {
            lock (messages) messages.Add(e.Message);
        };
        var options = Options(dir, AcquisitionStrategy.Entropy);
        ml.ActiveLearning().Trainer(options).Fit(Mlp(ml, 1e-2), ThreeClassPool.Create(ml), Oracles.FromLabelColumn());
        Assert.IsFalse(messages.Any(m => m.Contains("learner settings", StringComparison.Ordinal)));
        var resumed = ml.ActiveLearning().Trainer(options).Fit(Mlp(ml, 3e-2), ThreeClassPool.Create(ml), Oracles.FromLabelColumn());
        Assert.AreEqual(6, resumed.Labels.Count);
        Assert.IsTrue(messages.Any(m => m.Contains("The learner settings differ from the checkpoint's", StringComparison.Ordinal)
            && m.Contains("LearningRate=0.01", StringComparison.Ordinal) && m.Contains("LearningRate=0.03", StringComparison.Ordinal)),
            string.Join("\n", messages.Where(m => m.Contains("learner", StringComparison.Ordinal))));
    });

    private sealed class IdRow
    {
        public long Id { get; set; }

        [Microsoft.ML.Data.VectorType(2)]
        public float[] Features { get; set; } = [];

        [Microsoft.ML.Data.KeyType(3)]
        public uint Label { get; set; }
    }

    private static IDataView WithIds(MLContext ml, long firstId)
    {
        var rows = ml.Data.CreateEnumerable<ThreeClassPool.Row>(ThreeClassPool.Create(ml), reuseRowObject: false).ToList();
        return ml.Data.LoadFromEnumerable(rows.Select((r, i) => new IdRow { Id = firstId + i, Features = r.Features, Label = r.Label }).ToList());
    }
}
