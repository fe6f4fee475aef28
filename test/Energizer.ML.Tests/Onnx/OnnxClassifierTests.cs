using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Numerics;
using Energizer.ML.Onnx;
using Energizer.ML.Tests.Torch;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Onnx;

[TestClass]
public sealed class OnnxClassifierTests
{
    private static MLContext s_mlContext = null!;
    private static IDataView s_pool = null!;
    private static TorchClassifierTransformer s_torch = null!;
    private static OnnxClassifier s_onnx = null!;

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        s_mlContext = new MLContext(seed: 1);
        s_pool = TinyData.Create(s_mlContext, rows: 40);
        s_torch = s_mlContext.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = Networks.Mlp([16], 0.5),
            Epochs = 2,
            Seed = 2,
        }).Fit(s_pool);
        s_onnx = OnnxClassifier.FromTorch(s_mlContext, s_torch);
    }

    [ClassCleanup]
    public static void Free()
    {
        s_onnx?.Dispose();
        s_torch?.Dispose();
    }

    [TestMethod]
    public void DeterministicBindingScoresLikeTheTorchClassifier()
    {
        Assert.AreEqual("CPU", s_onnx.ExecutionProvider);
        var probabilities = Read(InferenceMode.Deterministic.Bind(s_onnx, s_pool.Schema, null, false), batch: 16);
        Assert.AreEqual(1, probabilities.Iterations);
        var expected = s_torch.Transform(s_pool).GetColumn<float[]>("Score").SelectMany(s => s).ToArray();
        OnnxRun.AssertClose(expected, probabilities.Values.ToArray(), 1e-5, "deterministic");
        var transformed = s_onnx.Transform(s_pool).GetColumn<float[]>("Score").SelectMany(s => s).ToArray();
        OnnxRun.AssertClose(expected, transformed, 1e-5, "Transform");
    }

    [TestMethod]
    public void McDropoutBindingGivesVaryingPassesOfProbabilities()
    {
        var probabilities = Read(InferenceMode.McDropout(iterations: 6).Bind(s_onnx, s_pool.Schema, null, false), batch: 16);
        Assert.AreEqual(6, probabilities.Iterations);
        Assert.AreEqual(40, probabilities.Rows);
        probabilities.Validate(1e-4);
        // ONNX Runtime draws unseeded masks, so any single row may by chance get identical passes
        // (a row with few live ReLU units in a 16-unit layer); across 40 rows most must vary.
        int varying = Enumerable.Range(0, probabilities.Rows)
            .Count(r => Enumerable.Range(1, probabilities.Iterations - 1).Any(i => !probabilities[i, r].SequenceEqual(probabilities[0, r])));
        Assert.IsGreaterThanOrEqualTo(30, varying, $"MC-Dropout passes must differ for most rows; {varying} of 40 vary");

        // A model read from ONNX bytes cannot be re-exported: no consistent masks, no rate override.
        using var file = OnnxClassifier.Load(s_mlContext, TorchOnnxExporter.Export(s_torch));
        Assert.IsFalse(file.CanVaryDropout);
        var error = Assert.Throws<ArgumentException>(() => InferenceMode.McDropout(consistent: true).Bind(file, s_pool.Schema, null, false));
        StringAssert.Contains(error.Message, "consistent masks and a rate override need an OnnxClassifier made with OnnxClassifier.FromTorch");
        Assert.Throws<ArgumentException>(() => InferenceMode.McDropout(probability: 0.2).Bind(file, s_pool.Schema, null, false));
    }

    [TestMethod]
    public void ConsistentMasksThroughOnnxEqualTheTorchClassifiersConsistentPasses()
    {
        Assert.IsTrue(s_onnx.CanVaryDropout);
        var mode = InferenceMode.McDropout(iterations: 5, consistent: true, seed: 3);
        var torch = Read(mode.Bind(s_torch, s_pool.Schema, null, false), batch: 16);
        // Other batch sizes: the masks belong to the pass, not to the batch.
        var onnx = Read(mode.Bind(s_onnx, s_pool.Schema, null, false), batch: 16);
        var onnxOtherBatches = Read(mode.Bind(s_onnx, s_pool.Schema, null, false), batch: 7);
        Assert.AreEqual(5, onnx.Iterations);
        OnnxRun.AssertClose(torch.Values.ToArray(), onnx.Values.ToArray(), 1e-5, "consistent ONNX vs TorchClassifier");
        OnnxRun.AssertClose(onnx.Values.ToArray(), onnxOtherBatches.Values.ToArray(), 1e-6, "batches of 16 vs 7");
        Assert.IsFalse(onnx[0, 0].SequenceEqual(onnx[1, 0]) && onnx[0, 1].SequenceEqual(onnx[1, 1]) && onnx[0, 2].SequenceEqual(onnx[1, 2]), "passes use different masks");

        // Another seed, other masks.
        var reseeded = Read(InferenceMode.McDropout(iterations: 5, consistent: true, seed: 4).Bind(s_onnx, s_pool.Schema, null, false), batch: 16);
        Assert.IsFalse(reseeded.Values.ToArray().SequenceEqual(onnx.Values.ToArray()));
    }

    [TestMethod]
    public void ARateOverrideReExportsTheDropouts()
    {
        // Rate 0: every pass is the eval network, row for row.
        var deterministic = Read(InferenceMode.Deterministic.Bind(s_onnx, s_pool.Schema, null, false), batch: 16);
        var passes = Read(InferenceMode.McDropout(iterations: 3, probability: 0).Bind(s_onnx, s_pool.Schema, null, false), batch: 16);
        for (int t = 0; t < 3; t++)
        {
            for (int r = 0; r < 40; r++) OnnxRun.AssertClose(deterministic[0, r].ToArray(), passes[t, r].ToArray(), 1e-6, $"pass {t}, row {r}");
        }
        // A consistent export at rate 0 is the eval network too.
        var consistent = Read(InferenceMode.McDropout(iterations: 2, consistent: true, probability: 0).Bind(s_onnx, s_pool.Schema, null, false), batch: 16);
        OnnxRun.AssertClose(deterministic[0, 39].ToArray(), consistent[1, 39].ToArray(), 1e-6, "consistent at rate 0");
    }

    [TestMethod]
    public void EmbeddingsComeFromTheExportedPenultimateLayerInEveryMode()
    {
        // Mlp([16], 0.5) is Linear(4, 16), ReLU, Dropout, Linear(16, 3): the embedding is the 16
        // activations entering the last Linear, in eval mode, as the TorchClassifier's own.
        Assert.AreEqual(16, s_onnx.EmbeddingSize);
        float[] expected = Embeddings(InferenceMode.Deterministic.Bind(s_torch, s_pool.Schema, null, true));
        Assert.HasCount(40 * 16, expected);
        Assert.IsTrue(expected.Any(v => v > 0), "some units are live");
        var deterministic = InferenceMode.Deterministic.Bind(s_onnx, s_pool.Schema, null, true);
        Assert.AreEqual(16, deterministic.EmbeddingSize);
        OnnxRun.AssertClose(expected, Embeddings(deterministic), 1e-5, "deterministic");
        // With MC-Dropout the embeddings still come from the eval network, not a dropped pass.
        OnnxRun.AssertClose(expected, Embeddings(InferenceMode.McDropout(iterations: 3).Bind(s_onnx, s_pool.Schema, null, true)), 1e-5, "MC-Dropout");

        // A diversity strategy runs on the ONNX classifier end to end.
        var scored = s_mlContext.ActiveLearning().ScoreAcquisition(s_onnx, AcquisitionStrategy.CoreSet).Fit(s_pool).Transform(s_pool);
        var selection = s_mlContext.ActiveLearning().SelectTopK(scored, 5, new Energizer.ML.Scoring.SelectionOptions { Labelled = new HashSet<long> { 0, 1 } });
        Assert.AreEqual(5, selection.RowIds.Distinct().Count());
        Assert.IsFalse(selection.RowIds.Contains(0) || selection.RowIds.Contains(1));

        // Without the output, the strategy says what is missing.
        using var bare = OnnxClassifier.Load(s_mlContext, TorchOnnxExporter.Export(s_torch, new OnnxExportOptions { EmbeddingName = null }));
        Assert.AreEqual(0, bare.EmbeddingSize);
        var error = Assert.Throws<ArgumentException>(() => InferenceMode.Deterministic.Bind(bare, s_pool.Schema, null, true));
        StringAssert.Contains(error.Message, "no embedding output 'embedding'");
        var clash = Assert.Throws<ArgumentException>(() => TorchOnnxExporter.Export(s_torch, new OnnxExportOptions { EmbeddingName = TorchOnnxExporter.DefaultOutputName }));
        StringAssert.Contains(clash.Message, "EmbeddingName 'probabilities' must differ");
    }

    private static float[] Embeddings(BoundInference bound)
    {
        var prepared = bound.Prepare(s_pool);
        using var cursor = prepared.GetRowCursor(bound.InputColumns(prepared.Schema));
        using var reader = bound.CreateReader(cursor);
        var all = new List<float>();
        while (reader.Next(16, () => { }) is { } next) all.AddRange(next.Embeddings ?? throw new AssertFailedException("no embeddings"));
        return [.. all];
    }

    [TestMethod]
    public void BadModelsAndOptionsGiveClearErrors()
    {
        var corrupt = Assert.Throws<InvalidDataException>(() => OnnxClassifier.Load(s_mlContext, [1, 2, 3, 4, 5]));
        StringAssert.Contains(corrupt.Message, "could not be loaded");

        byte[] model = TorchOnnxExporter.Export(s_torch);
        var wrongInput = Assert.Throws<ArgumentException>(() => OnnxClassifier.Load(s_mlContext, model, new OnnxClassifierOptions { InputName = "pixels" }));
        StringAssert.Contains(wrongInput.Message, "'pixels'");
        StringAssert.Contains(wrongInput.Message, "'features' Single[?, 4]");

        var gpu = Assert.Throws<InvalidOperationException>(() => OnnxClassifier.Load(s_mlContext, model, new OnnxClassifierOptions { RequireGpu = true }));
        StringAssert.Contains(gpu.Message, "requires a GPU");

        var narrow = TinyData.Create(s_mlContext, rows: 3);
        using var other = OnnxClassifier.Load(s_mlContext, TorchOnnxExporter.Export(Networks.Mlp([4], 0)(5, 3), 5));
        var size = Assert.Throws<ArgumentOutOfRangeException>(() => InferenceMode.Deterministic.Bind(other, narrow.Schema, null, false));
        StringAssert.Contains(size.Message, "has 4 features; the ONNX model's input 'features' takes 5");
    }

    private static ProbabilityTensor Read(BoundInference bound, int batch)
    {
        var prepared = bound.Prepare(s_pool);
        using var cursor = prepared.GetRowCursor(bound.InputColumns(prepared.Schema));
        using var reader = bound.CreateReader(cursor);
        var parts = new List<ProbabilityTensor>();
        while (reader.Next(batch, () => { }) is { } next) parts.Add(next.Probabilities);
        int t = parts[0].Iterations, c = parts[0].Classes, n = parts.Sum(p => p.Rows);
        var values = new float[t * n * c];
        int offset = 0;
        foreach (var part in parts)
        {
            for (int i = 0; i < t; i++)
                for (int r = 0; r < part.Rows; r++)
                    part[i, r].CopyTo(values.AsSpan(((i * n) + offset + r) * c, c));
            offset += part.Rows;
        }
        return new ProbabilityTensor(values, t, n, c);
    }
}
