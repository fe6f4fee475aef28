using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Torch;

[TestClass]
public sealed class TorchClassifierTrainingTests
{
    [TestMethod]
    public void EarlyStoppingKeepsTheBestEpochAndReportsEachEpoch()
    {
        var mlContext = new MLContext(seed: 1);
        var (train, test) = DigitsData.Load(mlContext);
        var reports = new List<TorchEpochReport>();
        var log = new List<string>();
        using var model = mlContext.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = Networks.Mlp([64], 0),
            Epochs = 200,
            BatchSize = 32,
            LearningRate = 0.01,
            ValidationData = test,
            EarlyStoppingPatience = 2,
            Progress = reports.Add,
            Log = log.Add,
        }).Fit(train);
        Assert.IsLessThan(200, reports.Count, "training stops early");
        Assert.IsTrue(reports.All(r => r.ValidationLoss is not null && r.ValidationAccuracy is not null));
        CollectionAssert.AreEqual(Enumerable.Range(1, reports.Count).ToArray(), reports.Select(r => r.Epoch).ToArray());
        Assert.IsTrue(log.Any(l => l.Contains("early stop", StringComparison.Ordinal)));
        // The kept weights are those of the best validation epoch.
        double best = reports.Min(r => r.ValidationLoss!.Value);
        var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(test));
        Assert.AreEqual(best, metrics.LogLoss, 1e-3);
    }

    [TestMethod]
    public void SgdAndAdamWAndClassWeightsTrain()
    {
        var mlContext = new MLContext(seed: 1);
        var data = TinyData.Create(mlContext, rows: 60);
        foreach (var optimizer in new[] { TorchOptimizer.Sgd, TorchOptimizer.AdamW })
        {
            using var model = mlContext.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
            {
                Network = Networks.Mlp([16], 0),
                Optimizer = optimizer,
                LearningRate = 0.05,
                WeightDecay = 1e-4,
                ClassWeights = [1, 2, 1],
                Epochs = 60,
                BatchSize = 8,
            }).Fit(data);
            var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(data));
            Assert.AreEqual(1.0, metrics.MicroAccuracy, $"{optimizer} learns a separable toy problem");
        }
    }

    [TestMethod]
    public void FeatureBatchReaderFillsOneBufferBatchByBatch()
    {
        var mlContext = new MLContext(seed: 1);
        var data = TinyData.Create(mlContext, rows: 10, features: i => [i, i + 0.5f, -i, 1]);
        using var cursor = data.GetRowCursor(data.Schema);
        var reader = new FeatureBatchReader(cursor, "Features", batchSize: 4, labelColumnName: "Label");
        var counts = new List<int>();
        float[] features = reader.Features;
        while (reader.ReadBatch())
        {
            counts.Add(reader.Count);
            Assert.AreSame(features, reader.Features, "the buffer is reused");
            long first = reader.Positions[0];
            CollectionAssert.AreEqual(new float[] { first, first + 0.5f, -first, 1 }, reader.Features[..4]);
            Assert.AreEqual(first % TinyData.Classes, reader.Labels[0]);
            using var tensor = reader.FeaturesTensor();
            CollectionAssert.AreEqual(new long[] { reader.Count, 4 }, tensor.shape);
        }
        CollectionAssert.AreEqual(new[] { 4, 4, 2 }, counts);
    }
}
