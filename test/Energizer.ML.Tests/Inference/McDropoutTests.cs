using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Numerics;
using Energizer.ML.Scoring;
using Energizer.ML.Tests.Loop;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Energizer.ML.Tests.Inference;

[TestClass]
public sealed class McDropoutTests
{
    private static readonly Lazy<(MLContext Ml, IDataView Pool, TorchClassifierTransformer Model)> Trained = new(() =>
    {
        var ml = new MLContext(0);
        var (pool, _) = Digits.Split(ml);
        var model = ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = Networks.Mlp([32, 16], 0.5),
            Epochs = 3,
            Seed = 1,
        }).Fit(pool);
        return (ml, pool, model);
    });

    private static TorchBoundInference Bind(InferenceMode mode, TorchClassifierTransformer? model = null, bool embeddings = false) =>
        (TorchBoundInference)mode.Bind(model ?? Trained.Value.Model, Trained.Value.Pool.Schema, null, embeddings);

    private static torch.Tensor Batch(int rows) =>
        torch.tensor(Digits.Rows.Take(rows).SelectMany(r => r.Features).ToArray(), rows, 64);

    private static float[] Acquisition(InferenceMode mode, AcquisitionStrategy strategy)
    {
        var (ml, pool, model) = Trained.Value;
        var scored = ml.ActiveLearning().ScoreAcquisition(model, strategy, mode, batchSize: 100).Fit(pool).Transform(pool);
        return scored.GetColumn<float>("Acquisition").ToArray();
    }

    [TestMethod]
    public void ConsistentMasksScoreThePoolIdenticallyTwice()
    {
        var mode = InferenceMode.McDropout(iterations: 8, consistent: true, seed: 3);
        var first = Acquisition(mode, AcquisitionStrategy.Bald);
        var second = Acquisition(mode, AcquisitionStrategy.Bald);
        CollectionAssert.AreEqual(first, second);
        Assert.IsTrue(first.Any(v => v > 1e-4f), "dropout makes the passes disagree, so BALD is positive somewhere");
    }

    [TestMethod]
    public void ConsistentMasksDifferBetweenIterations()
    {
        using var x = Batch(20);
        var (p, _) = Bind(InferenceMode.McDropout(iterations: 4, consistent: true)).Run(x);
        // Pass t of row n starts at (t·20 + n)·10; passes 0 and 1 must not be identical.
        var pass0 = p.AsSpan(0, 200).ToArray();
        var pass1 = p.AsSpan(200, 200).ToArray();
        CollectionAssert.AreNotEqual(pass0, pass1);
    }

    [TestMethod]
    public void ConsistentMasksDoNotDependOnTheBatching()
    {
        var bound = Bind(InferenceMode.McDropout(iterations: 3, consistent: true));
        using var all = Batch(10);
        using var firstHalf = Batch(5);
        var (whole, _) = bound.Run(all);
        var (half, _) = bound.Run(firstHalf);
        // Row 2 of pass 1: [(1·10 + 2)·10, +10) in the whole batch, [(1·5 + 2)·10, +10) in the half.
        for (int c = 0; c < 10; c++) Assert.AreEqual(whole[120 + c], half[70 + c], 1e-6f);
    }

    [TestMethod]
    public void AFreshMaskIsAFunctionOfItsRowPassAndLayer()
    {
        // 3 passes × 1,000 rows × 100 units, keep 0.7.
        var rows = Ids(0, 1000);
        using var all = DropoutMasks.Fresh(12345, 2, 0, 3, rows, 1000, [100], 0.7, (float)(1 / 0.7), torch.CPU);
        var values = all.data<float>().ToArray();
        Assert.IsTrue(values.All(v => v == 0 || v == (float)(1 / 0.7)), "each value is 0 or 1/keep");
        // 300,000 draws: the kept share's standard deviation is √(0.7·0.3/300,000) ≈ 0.0008.
        Assert.AreEqual(0.7, values.Count(v => v != 0) / (double)values.Length, 0.005);
        // Row 5's mask of pass 1, drawn alone (a batch of one row, from pass 1), is the same; layer 3's is not.
        using var alone = DropoutMasks.Fresh(12345, 2, 1, 1, [new DataViewRowId(5, 0)], 1, [100], 0.7, (float)(1 / 0.7), torch.CPU);
        CollectionAssert.AreEqual(values.AsSpan(((1 * 1000) + 5) * 100, 100).ToArray(), alone.data<float>().ToArray());
        using var otherLayer = DropoutMasks.Fresh(12345, 3, 1, 1, [new DataViewRowId(5, 0)], 1, [100], 0.7, (float)(1 / 0.7), torch.CPU);
        CollectionAssert.AreNotEqual(alone.data<float>().ToArray(), otherLayer.data<float>().ToArray());
    }

    [TestMethod]
    public void AFreshMaskFollowsTheSplitMix64StreamOfItsRow()
    {
        // Row id (high 3, low 8), layer 1, pass 2, seed 4: 37 units (two blocks of sixteen drawn four draws at a time, five one by one).
        // Unit j is kept (value 1/keep = 4) when 16-bit quarter j mod 4 (low first) of draw ⌊j/4⌋ is below keep·2¹⁶ = 0.25·65,536 = 16,384.
        ulong state = SeededHash.MaskState(4, 1, 2, 3, 8);
        var expected = new float[37];
        for (int j = 0; j < 37; j++)
        {
            ulong draw = SplitMix64(unchecked(state + ((ulong)((j / 4) + 1) * 0x9E3779B97F4A7C15UL)));
            uint quarter = (uint)(draw >> (16 * (j % 4))) & 0xFFFF;
            expected[j] = quarter < 16384 ? 4 : 0;
        }
        using var mask = DropoutMasks.Fresh(4, 1, 2, 1, [new DataViewRowId(8, 3)], 1, [37], 0.25, 4, torch.CPU);
        CollectionAssert.AreEqual(expected, mask.data<float>().ToArray());
        Assert.IsTrue(expected.Contains(4) && expected.Contains(0));
    }

    /// <summary>SplitMix64's output for the counter value <paramref name="z"/> (Steele, Lea and Flood, 2014).</summary>
    private static ulong SplitMix64(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    [TestMethod]
    public void FreshMasksScoreThePoolIdenticallyTwice()
    {
        var mode = InferenceMode.McDropout(iterations: 4);
        var first = Acquisition(mode, AcquisitionStrategy.Bald);
        CollectionAssert.AreEqual(first, Acquisition(mode, AcquisitionStrategy.Bald));
        Assert.IsTrue(first.Any(v => v > 1e-4f), "dropout makes the passes disagree, so BALD is positive somewhere");
    }

    [TestMethod]
    public void FreshMaskSelectionsDoNotDependOnPartitionsOrBatchSize()
    {
        // Each row's masks come from (seed, row id, pass, layer): the same rows are picked whichever
        // partition or batch a row lands in. Partitions score batches on parallel threads.
        var (ml, pool, model) = Trained.Value;
        var mode = InferenceMode.McDropout(iterations: 8, seed: 5);
        Selection Pick(int batchSize, int partitions) => ml.ActiveLearning().SelectTopK(
            ml.ActiveLearning().ScoreAcquisition(model, AcquisitionStrategy.Bald, mode, batchSize: batchSize).Fit(pool).Transform(pool),
            20, new SelectionOptions { Partitions = partitions });
        var reference = Pick(100, 1);
        foreach (var (batchSize, partitions) in new[] { (100, 2), (100, 3), (37, 1), (37, 3) })
        {
            var other = Pick(batchSize, partitions);
            CollectionAssert.AreEqual(reference.RowIds.ToArray(), other.RowIds.ToArray(), $"batch size {batchSize}, {partitions} partitions");
            for (int i = 0; i < 20; i++) Assert.AreEqual(reference.Scores[i], other.Scores[i], 1e-5f, $"score {i}, batch size {batchSize}, {partitions} partitions");
        }
    }

    [TestMethod]
    public void FreshMasksAreDrawnPerRowFromTheSeed()
    {
        var bound = Bind(InferenceMode.McDropout(iterations: 3, seed: 9));
        using var x = Batch(10);
        // Rows 0..9 as one batch, and the same rows as ids 5..9 then 0..4: each row keeps its own masks.
        var (whole, _) = bound.Run(x, Ids(0, 10));
        using var back = x.narrow(0, 5, 5);
        var (half, _) = bound.Run(back, Ids(5, 5));
        // Row 7 of pass 2: [(2·10 + 7)·10, +10) in the whole batch, row 2 of the half: [(2·5 + 2)·10, +10).
        for (int c = 0; c < 10; c++) Assert.AreEqual(whole[270 + c], half[120 + c], 1e-6f);
        // Row 3 given the id of row 4 gets row 4's masks, so its passes differ from its own.
        var (renamed, _) = bound.Run(x, [.. Ids(0, 3), new DataViewRowId(4, 0), .. Ids(4, 6)]);
        CollectionAssert.AreNotEqual(whole.AsSpan(30, 10).ToArray(), renamed.AsSpan(30, 10).ToArray());
        // Another seed, other masks.
        var (reseeded, _) = Bind(InferenceMode.McDropout(iterations: 3, seed: 10)).Run(x, Ids(0, 10));
        CollectionAssert.AreNotEqual(whole, reseeded);
    }

    [TestMethod]
    public void ScoringDrawsNothingFromTorchsGlobalGenerator()
    {
        // The process-wide stream after manual_seed(7): scoring between the seed and the draw must not move it.
        torch.manual_seed(7);
        var expected = torch.rand(4).data<float>().ToArray();
        torch.manual_seed(7);
        Acquisition(InferenceMode.McDropout(iterations: 4, seed: 2), AcquisitionStrategy.Bald);
        CollectionAssert.AreEqual(expected, torch.rand(4).data<float>().ToArray());
    }

    [TestMethod]
    public void ATorchClassifierFitAfterAScoringPassEqualsAFitWithoutOne()
    {
        var (ml, pool, _) = Trained.Value;
        var trainer = ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions { Network = Networks.Mlp([16], 0.5), Epochs = 1, Seed = 4 });
        float[] Weights(TorchClassifierTransformer model) => [.. model.Network.parameters().SelectMany(p => p.data<float>().ToArray())];
        using var alone = trainer.Fit(pool);
        Acquisition(InferenceMode.McDropout(iterations: 4, seed: 2), AcquisitionStrategy.Bald);
        using var afterScoring = trainer.Fit(pool);
        CollectionAssert.AreEqual(Weights(alone), Weights(afterScoring));
    }

    private static DataViewRowId[] Ids(int first, int count) => [.. Enumerable.Range(first, count).Select(i => new DataViewRowId((ulong)i, 0))];

    [TestMethod]
    public void PrefixCachingAndBatchingEqualTheNaiveLoop()
    {
        // Consistent masks take the masked-Linear path, fresh ones are written into the activations; the loop uses mask tensors.
        foreach (bool consistent in new[] { true, false })
        {
            var bound = Bind(InferenceMode.McDropout(iterations: 5, consistent: consistent, seed: 11));
            using var x = Batch(30);
            var (fast, _) = bound.Run(x);
            var naive = bound.RunNaive(x);
            Assert.AreEqual(naive.Length, fast.Length);
            for (int i = 0; i < fast.Length; i++) Assert.AreEqual(naive[i], fast[i], 1e-5f, $"value {i}, consistent: {consistent}");
        }
    }

    [TestMethod]
    public void ProbabilitiesAreAValidTensorAndTOneWithoutDropoutIsTheModelScore()
    {
        var (ml, pool, model) = Trained.Value;
        using var x = Batch(7);
        var (p, _) = Bind(InferenceMode.McDropout(iterations: 6, probability: 0.3)).Run(x);
        new ProbabilityTensor(p, 6, 7, 10).Validate(1e-4);

        // p = 0 keeps every unit: every pass equals the eval-mode Score column.
        var (exact, _) = Bind(InferenceMode.McDropout(iterations: 2, probability: 0)).Run(x);
        var score = model.Transform(ml.Data.LoadFromEnumerable(Digits.Rows.Take(7))).GetColumn<float[]>("Score").ToArray();
        for (int n = 0; n < 7; n++)
            for (int c = 0; c < 10; c++)
            {
                Assert.AreEqual(score[n][c], exact[(n * 10) + c], 1e-5f);
                Assert.AreEqual(score[n][c], exact[((7 + n) * 10) + c], 1e-5f);
            }
    }

    [TestMethod]
    public void DeterministicInferenceOfATorchClassifierEqualsItsScoreColumn()
    {
        var (ml, pool, model) = Trained.Value;
        var scored = ml.ActiveLearning().ScoreAcquisition(model, new Energizer.ML.Scoring.AcquisitionScorerOptions
        {
            Strategy = AcquisitionStrategy.Entropy,
            MeanProbabilitiesColumnName = "Mean",
            BatchSize = 64,
        }).Fit(pool).Transform(pool);
        var mean = scored.GetColumn<float[]>("Mean").ToArray();
        var score = model.Transform(pool).GetColumn<float[]>("Score").ToArray();
        Assert.AreEqual(score.Length, mean.Length);
        for (int n = 0; n < score.Length; n++)
            for (int c = 0; c < 10; c++) Assert.AreEqual(score[n][c], mean[n][c], 1e-6f);
    }

    [TestMethod]
    public void ScoringOnACopyLeavesTheTrainedNetworkUntouched()
    {
        var ml = new MLContext(0);
        var (pool, _) = Digits.Split(ml);
        // A network that is not a plain Sequential forces the module-switching path.
        var model = ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = (features, classes) => new Wrapped(features, classes),
            Epochs = 1,
            Seed = 2,
        }).Fit(pool);
        var before = model.Transform(pool).GetColumn<float[]>("Score").Take(50).SelectMany(s => s).ToArray();
        var scored = ml.ActiveLearning().ScoreAcquisition(model, AcquisitionStrategy.Bald,
            InferenceMode.McDropout(iterations: 4, probability: 0.9, inplace: false)).Fit(pool).Transform(pool);
        Assert.IsTrue(scored.GetColumn<float>("Acquisition").Take(50).Any(v => v > 1e-4f));
        var after = model.Transform(pool).GetColumn<float[]>("Score").Take(50).SelectMany(s => s).ToArray();
        CollectionAssert.AreEqual(before, after);
        Assert.IsFalse(model.Network.training, "the trained network stays in eval mode");
        var dropout = model.Network.modules().OfType<TorchSharp.Modules.Dropout>().Single();
        Assert.AreEqual(0.5, dropout.p, "the rate override applied to the copy only");
    }

    [TestMethod]
    public void DisposingTheBindingFreesItsNetworkCopyAndCachedMasksOnly()
    {
        var model = Trained.Value.Model;
        var bound = Bind(InferenceMode.McDropout(iterations: 3, consistent: true, inplace: false));
        using var x = Batch(4);
        var before = bound.Run(x).Probabilities;
        var copy = bound.Network.parameters().ToList();
        var masks = bound.CachedMasks;
        // Mlp([32, 16], 0.5): two consistent masks, and 3 passes' kept units for each.
        Assert.AreEqual(2 + 6, masks.Count);
        bound.Dispose();
        Assert.IsTrue(copy.All(p => p.IsInvalid), "the copy's parameters are freed");
        Assert.IsTrue(masks.All(m => m.IsInvalid), "the cached masks are freed");
        Assert.IsTrue(model.Network.parameters().All(p => !p.IsInvalid), "the trained network is not the binding's to free");

        // In place, the binding owns no network: disposing it frees the masks and leaves the model working.
        var inPlace = Bind(InferenceMode.McDropout(iterations: 3, consistent: true));
        CollectionAssert.AreEqual(before, inPlace.Run(x).Probabilities);
        inPlace.Dispose();
        Assert.IsTrue(model.Network.parameters().All(p => !p.IsInvalid));
        CollectionAssert.AreEqual(before, Bind(InferenceMode.McDropout(iterations: 3, consistent: true)).Run(x).Probabilities);
    }

    [TestMethod]
    public void MismatchedLearnersAndSettingsAreRefusedWithAdvice()
    {
        var (ml, pool, _) = Trained.Value;
        var logistic = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy().Fit(pool);
        var wrongLearner = Assert.ThrowsExactly<ArgumentException>(() => InferenceMode.McDropout().Bind(logistic, pool.Schema, null, false));
        StringAssert.Contains(wrongLearner.Message, "ends with MulticlassPredictionTransformer");
        StringAssert.Contains(wrongLearner.Message, "Use InferenceMode.Deterministic, or InferenceMode.Ensemble");

        var noDropout = ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions { Network = Networks.Mlp([8], 0), Epochs = 1 }).Fit(pool);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => Bind(InferenceMode.McDropout(), noDropout)).Message, "has none");

        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => InferenceMode.McDropout(probability: 1)).Message, "[0, 1)");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => InferenceMode.McDropout(iterations: 0)).Message, "at least 1");
    }

    [TestMethod]
    public void PenultimateEmbeddingsFeedDiversityStrategies()
    {
        var (ml, pool, model) = Trained.Value;
        var bound = Bind(InferenceMode.Deterministic, embeddings: true);
        Assert.AreEqual(16, bound.EmbeddingSize, "Mlp([32, 16]): the last hidden layer has 16 units");
        var scored = ml.ActiveLearning().ScoreAcquisition(model, AcquisitionStrategy.CoreSet).Fit(pool).Transform(pool);
        var selection = ml.ActiveLearning().SelectTopK(scored, 5, new Energizer.ML.Scoring.SelectionOptions { CandidateCount = 200 });
        Assert.AreEqual(5, selection.RowIds.Distinct().Count());
    }

    /// <summary>An MLP wrapped in a custom module: dropout is not a top-level child of a Sequential.</summary>
    private sealed class Wrapped : torch.nn.Module<torch.Tensor, torch.Tensor>
    {
        private readonly torch.nn.Module<torch.Tensor, torch.Tensor> _body;

        public Wrapped(int features, int classes) : base(nameof(Wrapped))
        {
            _body = torch.nn.Sequential(torch.nn.Linear(features, 32), torch.nn.ReLU(), torch.nn.Dropout(0.5), torch.nn.Linear(32, classes));
            RegisterComponents();
        }

        public override torch.Tensor forward(torch.Tensor input) => _body.call(input);
    }
}
