using System.Diagnostics;
using CsCheck;
using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Loop;
using Energizer.ML.Scoring;
using Energizer.ML.Tests.Loop;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Tests.Inference;

/// <summary>
/// The engine choice for TorchClassifier scoring: ONNX Runtime and TorchSharp give the same scores
/// (to float rounding) and the same picks; Auto falls back to TorchSharp, saying why, where ONNX
/// Runtime cannot run the network, and an explicit OnnxRuntime fails there with the reason.
/// </summary>
[TestClass]
public sealed class InferenceEngineTests
{
    private static readonly Lazy<(MLContext Ml, IDataView Pool)> Data = new(() =>
    {
        var ml = new MLContext(0);
        return (ml, Digits.Split(ml).Pool);
    });

    private static readonly Lazy<TorchClassifierTransformer> Mlp = new(() => Train(Networks.Mlp([32, 16], 0.5)));

    // 8×8 digits: two convolutions and a pooling before the first dropout.
    private static readonly Lazy<TorchClassifierTransformer> ConvNet = new(() => Train(Networks.ConvNet(1, 8, 8, 0.3)));

    private static TorchClassifierTransformer Train(Func<int, int, nn.Module<Tensor, Tensor>> network, Action<string>? log = null) =>
        Data.Value.Ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = network,
            Epochs = 2,
            Seed = 1,
            Log = log,
        }).Fit(Data.Value.Pool);

    private static ScoringSession Session(ITransformer model, AcquisitionStrategy strategy, InferenceMode mode, IDataView? pool = null)
    {
        pool ??= Data.Value.Pool;
        var scorer = Data.Value.Ml.ActiveLearning().ScoreAcquisition(model, strategy, mode, batchSize: 100).Fit(pool);
        return scorer.Score(pool);
    }

    private static (float[] Scores, long[] Picks, string? Engine) ScoreAndPick(ITransformer model, AcquisitionStrategy strategy, InferenceMode mode, IDataView? pool = null)
    {
        using var session = Session(model, strategy, mode, pool);
        var scores = session.Scored.GetColumn<float>("Acquisition").ToArray();
        var picks = TopKSelector.Select(session, 10).RowIds.ToArray();
        return (scores, picks, session.Engine);
    }

    public static IEnumerable<object[]> Cases()
    {
        foreach (string network in (string[])["MLP", "ConvNet"])
        {
            yield return [network, "Deterministic", "Entropy"];
            yield return [network, "Deterministic", "CoreSet"];
            yield return [network, "fresh", "Entropy"];
            yield return [network, "fresh", "BALD"];
            yield return [network, "fresh", "BatchBALD"];
            yield return [network, "consistent", "BALD"];
            yield return [network, "consistent", "BatchBALD"];
        }
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void BothEnginesGiveTheSameScoresAndPicks(string network, string inference, string strategyName)
    {
        var model = network == "MLP" ? Mlp.Value : ConvNet.Value;
        InferenceMode mode = inference switch
        {
            "Deterministic" => InferenceMode.Deterministic,
            _ => InferenceMode.McDropout(iterations: 5, consistent: inference == "consistent", seed: 4),
        };
        AcquisitionStrategy strategy = strategyName switch
        {
            "Entropy" => AcquisitionStrategy.Entropy,
            "CoreSet" => AcquisitionStrategy.CoreSet,
            "BALD" => AcquisitionStrategy.Bald,
            _ => AcquisitionStrategy.BatchBald(),
        };
        var torchSharp = ScoreAndPick(model, strategy, mode.WithEngine(InferenceEngine.TorchSharp));
        var onnx = ScoreAndPick(model, strategy, mode.WithEngine(InferenceEngine.OnnxRuntime));
        var auto = ScoreAndPick(model, strategy, mode);

        Assert.AreEqual("TorchSharp", torchSharp.Engine);
        // Deterministic: the whole network on ONNX Runtime. MC-Dropout: the layers before the first
        // dropout (MLP: Linear, ReLU; ConvNet: unflatten, two conv-ReLU-pool, flatten) there; with
        // fresh masks the passes too (the masks as inputs), with consistent ones the passes in TorchSharp.
        int prefix = network == "MLP" ? 2 : 8;
        string expected = inference switch
        {
            "Deterministic" => "OnnxRuntime",
            "fresh" => $"OnnxRuntime (the {prefix} layer(s) before the first dropout once, then the T dropout passes with the library's masks as inputs)",
            _ => $"OnnxRuntime (the {prefix} layer(s) before the first dropout) + TorchSharp (dropout passes)",
        };
        Assert.AreEqual(expected, onnx.Engine);
        Assert.AreEqual(expected, auto.Engine, "Auto picks ONNX Runtime for a built-in network");
        Assert.HasCount(torchSharp.Scores.Length, onnx.Scores);
        for (int i = 0; i < onnx.Scores.Length; i++)
        {
            Assert.AreEqual(torchSharp.Scores[i], onnx.Scores[i], 1e-5, $"row {i}");
            Assert.AreEqual(onnx.Scores[i], auto.Scores[i], 0, $"row {i}: Auto is ONNX Runtime");
        }
        Assert.IsTrue(onnx.Scores.Distinct().Count() > onnx.Scores.Length / 2, "scores are mostly distinct, so the picks are not decided by ties");
        CollectionAssert.AreEqual(torchSharp.Picks, onnx.Picks);
        if (inference != "fresh") return;
        // The path the fresh-mask default replaced (prefix on ONNX Runtime, passes in TorchSharp) agrees too.
        var passesOnTorch = ScoreAndPick(model, strategy, new McDropoutInference(5, false, null, true, 4, InferenceEngine.OnnxRuntime) { PassesOnTorchSharp = true });
        Assert.AreEqual($"OnnxRuntime (the {prefix} layer(s) before the first dropout) + TorchSharp (dropout passes)", passesOnTorch.Engine);
        for (int i = 0; i < onnx.Scores.Length; i++) Assert.AreEqual(onnx.Scores[i], passesOnTorch.Scores[i], 1e-5, $"row {i}");
        CollectionAssert.AreEqual(onnx.Picks, passesOnTorch.Picks);
    }

    [TestMethod]
    [DataRow("MLP")]
    [DataRow("ConvNet")]
    public void AnyBatchOfAnyRowsGetsTheSameProbabilitiesFromBothEngines(string network)
    {
        // Random batches (1-120 rows of 64 values in [0, 1), random row ids): the ONNX Runtime path
        // (whole network; the prefix then the passes with fresh masks as inputs; the prefix then the
        // TorchSharp passes) against TorchSharp alone, for deterministic scoring and MC-Dropout with
        // fresh and consistent masks. Fresh masks are keyed
        // by the row ids, so equal values to 1e-5 mean equal masks.
        var model = network == "MLP" ? Mlp.Value : ConvNet.Value;
        var schema = Data.Value.Pool.Schema;
        var passesOnTorch = new McDropoutInference(3, false, null, true, 5, InferenceEngine.Auto) { PassesOnTorchSharp = true };
        foreach (var mode in (InferenceMode[])[InferenceMode.Deterministic, InferenceMode.McDropout(iterations: 3, seed: 5), passesOnTorch, InferenceMode.McDropout(iterations: 3, consistent: true, seed: 5)])
        {
            using var onnx = (TorchBoundInference)mode.WithEngine(InferenceEngine.OnnxRuntime).Bind(model, schema, null, false);
            using var torchSharp = (TorchBoundInference)mode.WithEngine(InferenceEngine.TorchSharp).Bind(model, schema, null, false);
            Gen.Int[1, 120].SelectMany(n => Gen.Float[0f, 1f].Array[n * 64], (n, x) => (n, x)).Select(Gen.ULong[0, 1UL << 40], (b, first) => (b.n, b.x, first)).Sample(c =>
            {
                var rows = Enumerable.Range(0, c.n).Select(i => new DataViewRowId(c.first + (ulong)(7 * i), 0)).ToArray();
                var fromOnnx = onnx.RunOnnx(c.x, c.n, rows).Probabilities;
                using var x = tensor(c.x, [c.n, 64]);
                var fromTorch = torchSharp.Run(x, rows).Probabilities;
                Assert.HasCount(fromTorch.Length, fromOnnx);
                for (int i = 0; i < fromTorch.Length; i++) Assert.AreEqual(fromTorch[i], fromOnnx[i], 1e-5, $"{mode.Name}, {c.n} rows, value {i}");
            }, iter: 15, threads: 1);
        }
    }

    [TestMethod]
    [DataRow("Deterministic")]
    [DataRow("fresh")]
    [DataRow("consistent")]
    public void MlpEmbeddingsForCoreSetComeFromTheSameOnnxRun(string inference)
    {
        // CoreSet reads the penultimate layer (eval mode, whatever the inference): [N, 16] for
        // Mlp([32, 16]). Both engines give it to 1e-5; on ONNX Runtime it is an output of the model
        // that runs the whole network (deterministic) or the layers before the first dropout (MC-Dropout).
        var model = Mlp.Value;
        InferenceMode mode = inference == "Deterministic" ? InferenceMode.Deterministic : InferenceMode.McDropout(3, consistent: inference == "consistent", seed: 2);
        using var torchSharp = (TorchBoundInference)mode.WithEngine(InferenceEngine.TorchSharp).Bind(model, Data.Value.Pool.Schema, null, true);
        using var onnx = (TorchBoundInference)mode.WithEngine(InferenceEngine.OnnxRuntime).Bind(model, Data.Value.Pool.Schema, null, true);
        Assert.AreEqual(16, onnx.EmbeddingSize);
        var a = Read(torchSharp, Data.Value.Pool);
        var b = Read(onnx, Data.Value.Pool);
        Assert.HasCount(a.Length, b);
        for (int i = 0; i < a.Length; i++) Assert.AreEqual(a[i], b[i], 1e-5, $"embedding value {i}");
    }

    [TestMethod]
    public void ThePrefixModelOutputsTheEvalModePenultimateLayer()
    {
        // Mlp([32, 16], 0.5) is fc1 relu1 dropout1 fc2 relu2 dropout2 output: the prefix is fc1, relu1;
        // the embedding continues through fc2, relu2 with the dropouts left out. ONNX Runtime's
        // outputs equal TorchSharp's eval-mode activations of the same children.
        var network = (TorchSharp.Modules.Sequential)Mlp.Value.Network;
        var (model, row) = Energizer.ML.Torch.OnnxExport.OnnxNetworkWriter.WritePrefix(network, 2, 64, "x", "prefix", "embedding");
        CollectionAssert.AreEqual(new long[] { 32 }, row);
        var features = Enumerable.Range(0, 3 * 64).Select(i => (i % 17) / 16f).ToArray();
        using var runner = new Energizer.ML.Onnx.OnnxNetworkRunner(model, "x", 64, 1);
        var prefix = new float[3 * 32];
        var embedding = new float[3 * 16];
        runner.Run(features, 3, ("prefix", prefix, [32]), ("embedding", embedding, [16]));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        network.eval();
        var h = network[1].call(network[0].call(tensor(features, [3, 64])));
        var e = network[4].call(network[3].call(h));
        var expectedPrefix = h.data<float>().ToArray();
        var expectedEmbedding = e.data<float>().ToArray();
        for (int i = 0; i < prefix.Length; i++) Assert.AreEqual(expectedPrefix[i], prefix[i], 1e-5, $"prefix value {i}");
        for (int i = 0; i < embedding.Length; i++) Assert.AreEqual(expectedEmbedding[i], embedding[i], 1e-5, $"embedding value {i}");
    }

    private static float[] Read(BoundInference bound, IDataView pool)
    {
        var prepared = bound.Prepare(pool);
        using var cursor = prepared.GetRowCursor(bound.InputColumns(prepared.Schema));
        using var reader = bound.CreateReader(cursor);
        var values = new List<float>();
        while (reader.Next(64, () => { }) is { } batch) values.AddRange(batch.Embeddings!);
        return [.. values];
    }

    /// <summary>A layer the exporter does not know: it halves its input.</summary>
    private sealed class Halve : nn.Module<Tensor, Tensor>
    {
        public Halve()
            : base(nameof(Halve))
        {
        }

        public override Tensor forward(Tensor input) => input.mul(0.5);
    }

    private static Func<int, int, nn.Module<Tensor, Tensor>> WithCustomLayer() => (features, classes) => nn.Sequential(
        ("hidden", nn.Linear(features, 16)),
        ("halve", new Halve()),
        ("relu", nn.ReLU()),
        ("dropout", nn.Dropout(0.3)),
        ("output", nn.Linear(16, classes)));

    [TestMethod]
    public void ANetworkThatDoesNotExportFallsBackUnderAutoSayingWhyAndFailsUnderOnnxRuntime()
    {
        var log = new List<string>();
        using var model = Train(WithCustomLayer(), log.Add);
        foreach (var mode in (InferenceMode[])[InferenceMode.Deterministic, InferenceMode.McDropout(iterations: 4, seed: 2)])
        {
            var auto = ScoreAndPick(model, AcquisitionStrategy.Entropy, mode);
            var again = ScoreAndPick(model, AcquisitionStrategy.Entropy, mode);
            var torchSharp = ScoreAndPick(model, AcquisitionStrategy.Entropy, mode.WithEngine(InferenceEngine.TorchSharp));
            StringAssert.StartsWith(auto.Engine, "TorchSharp (Auto: it does not export to ONNX: Cannot export layer 'halve' (Halve)");
            CollectionAssert.AreEqual(torchSharp.Scores, auto.Scores, "the fallback is the TorchSharp engine");
            CollectionAssert.AreEqual(auto.Scores, again.Scores);

            var error = Assert.Throws<ArgumentException>(() => Session(model, AcquisitionStrategy.Entropy, mode.WithEngine(InferenceEngine.OnnxRuntime)));
            StringAssert.StartsWith(error.Message, "InferenceEngine.OnnxRuntime cannot score this TorchClassifier: it does not export to ONNX: Cannot export layer 'halve' (Halve) to ONNX.");
            StringAssert.Contains(error.Message, "Use InferenceEngine.Auto (which falls back to TorchSharp) or InferenceEngine.TorchSharp.");
        }
        // One line for the fitted model, however many passes and modes scored it.
        var lines = log.Where(l => l.Contains("InferenceEngine.Auto runs TorchSharp", StringComparison.Ordinal)).ToList();
        Assert.HasCount(1, lines, string.Join("\n", log));
        StringAssert.Contains(lines[0], "Cannot export layer 'halve' (Halve)");
    }

    private const int Slots = 300;

    private sealed class SparseRow
    {
        [VectorType(Slots)]
        public VBuffer<float> Features { get; set; }

        public uint Label { get; set; }
    }

    /// <summary>120 rows of 300 slots with 3-8 non-zeros each, stored sparse; class c favours slots c mod 3.</summary>
    private static IDataView SparsePool(MLContext ml)
    {
        var random = new Random(7);
        var rows = new List<SparseRow>();
        for (int i = 0; i < 120; i++)
        {
            uint label = (uint)(i % 3) + 1;
            var slots = Enumerable.Range(0, random.Next(3, 9)).Select(_ => random.Next(Slots)).Distinct().Order().ToArray();
            var values = slots.Select(s => (s % 3 == label - 1 ? 1f : 0.25f) * (1 + (float)random.NextDouble())).ToArray();
            rows.Add(new SparseRow { Features = new VBuffer<float>(Slots, slots.Length, values, slots), Label = label });
        }
        var definition = SchemaDefinition.Create(typeof(SparseRow));
        definition[nameof(SparseRow.Label)].ColumnType = new KeyDataViewType(typeof(uint), 3);
        return ml.Data.LoadFromEnumerable(rows, definition);
    }

    [TestMethod]
    public void SparseBatchesGoThroughTorchSharpsSparseFirstLayerAndSaySo()
    {
        var ml = new MLContext(0);
        var pool = SparsePool(ml);
        var log = new List<string>();
        using var model = ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = Networks.Mlp([16], 0.2),
            Epochs = 3,
            BatchSize = 8,
            Seed = 3,
            Log = log.Add,
        }).Fit(pool);
        foreach (var mode in (InferenceMode[])[InferenceMode.Deterministic, InferenceMode.McDropout(iterations: 4, seed: 1)])
        {
            var auto = ScoreAndPick(model, AcquisitionStrategy.Entropy, mode, pool);
            var torchSharp = ScoreAndPick(model, AcquisitionStrategy.Entropy, mode.WithEngine(InferenceEngine.TorchSharp), pool);
            StringAssert.EndsWith(auto.Engine, "; sparse batches: TorchSharp (through the sparse first layer)");
            CollectionAssert.AreEqual(torchSharp.Scores, auto.Scores, "every batch is sparse, so TorchSharp scored them all");
            CollectionAssert.AreEqual(torchSharp.Picks, auto.Picks);
        }
        Assert.AreEqual(1, log.Count(l => l.Contains("sparse batches go through TorchSharp's sparse first layer", StringComparison.Ordinal)), string.Join("\n", log));
    }

    [TestMethod]
    public void TwoHundredOnnxScoringPassesDoNotGrowMemory()
    {
        // A network of about 84k weights (64-256-256-10): every ONNX Runtime session holds its own
        // copy (~0.34 MB) and buffers, so 200 sessions left undisposed would add well over 60 MB.
        var ml = Data.Value.Ml;
        var pool = ml.Data.TakeRows(Data.Value.Pool, 100);
        using var model = Train(Networks.Mlp([256, 256], 0.2));
        var mode = InferenceMode.McDropout(iterations: 3, seed: 1).WithEngine(InferenceEngine.OnnxRuntime);
        var scorer = ml.ActiveLearning().ScoreAcquisition(model, AcquisitionStrategy.Bald, mode, batchSize: 50).Fit(pool);
        void Passes(int count)
        {
            for (int i = 0; i < count; i++)
            {
                using var session = scorer.Score(pool);
                Assert.HasCount(100, session.Scored.GetColumn<float>("Acquisition").ToArray());
            }
        }
        long Resident()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            using var process = Process.GetCurrentProcess();
            return process.WorkingSet64;
        }
        Passes(20);
        long before = Resident();
        Passes(200);
        long grown = Resident() - before;
        Assert.IsLessThan(20L << 20, grown, $"resident memory grew by {grown / 1e6:F1} MB over 200 passes");
    }

    [TestMethod]
    public void TheEngineIsPartOfTheModesFingerprintAndName()
    {
        Assert.AreEqual("Deterministic(engine=Auto)", InferenceMode.Deterministic.Fingerprint);
        Assert.AreEqual("Deterministic(engine=TorchSharp)", InferenceMode.Deterministic.WithEngine(InferenceEngine.TorchSharp).Fingerprint);
        Assert.AreEqual("Deterministic(OnnxRuntime)", InferenceMode.Deterministic.WithEngine(InferenceEngine.OnnxRuntime).Name);
        Assert.AreSame(InferenceMode.Deterministic, InferenceMode.Deterministic.WithEngine(InferenceEngine.Auto));
        var mc = InferenceMode.McDropout(iterations: 7, seed: 2, engine: InferenceEngine.OnnxRuntime);
        Assert.AreEqual("MC-Dropout(T=7, consistent=False, p=network's, inplace=True, seed=2, engine=OnnxRuntime)", mc.Fingerprint);
        Assert.AreEqual("MC-Dropout(T=7, OnnxRuntime)", mc.Name);
        Assert.AreEqual("MC-Dropout(T=7, consistent=False, p=network's, inplace=True, seed=2, engine=TorchSharp)", mc.WithEngine(InferenceEngine.TorchSharp).Fingerprint);
        Assert.AreEqual(InferenceEngine.Auto, InferenceMode.McDropout().Engine);
        var error = Assert.Throws<NotSupportedException>(() => InferenceMode.Ensemble().WithEngine(InferenceEngine.TorchSharp));
        StringAssert.Contains(error.Message, "has no engine choice");
        Assert.Throws<ArgumentOutOfRangeException>(() => InferenceMode.Deterministic.WithEngine((InferenceEngine)7));
    }

    [TestMethod]
    public void TheLoopReportsAndLogsTheEngineOfEachQuery()
    {
        var ml = new MLContext(0);
        var messages = new List<string>();
        ml.Log += (_, e) =>
        {
            lock (messages) messages.Add(e.Message);
        };
        var (pool, _) = Digits.Split(ml);
        var result = ml.ActiveLearning().Trainer(new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.Entropy,
            InitialLabelledCount = 10,
            QuerySize = 10,
            MaxRounds = 2,
            Seed = 1,
        }).Fit(ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions { Network = Networks.Mlp([16], 0.2), Epochs = 2, Seed = 1 }), pool, Oracles.FromLabelColumn());
        CollectionAssert.AreEqual(new[] { "OnnxRuntime", "OnnxRuntime", null }, result.Rounds.Select(r => r.InferenceEngine).ToArray(), "the final fit queries nothing");
        Assert.AreEqual(1, messages.Count(m => m.Contains("the pool is scored on OnnxRuntime", StringComparison.Ordinal)), "said once, while it does not change");
    }
}
