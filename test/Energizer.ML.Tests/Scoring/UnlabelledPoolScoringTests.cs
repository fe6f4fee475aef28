using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Scoring;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Scoring;

/// <summary>Scoring a pool that has no label column with a learner whose pipeline maps the label.</summary>
[TestClass]
public sealed class UnlabelledPoolScoringTests
{
    private sealed class Labelled
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];

        public string Label { get; set; } = "";
    }

    private sealed class Unlabelled
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];
    }

    [TestMethod]
    public void TheScorerGivesTheLearnerAMissingLabelColumnAndAddsNoneToItsOutput()
    {
        var ml = new MLContext(0);
        var random = new Random(2);
        var points = Enumerable.Range(0, 60).Select(_ => new[] { (float)random.NextDouble(), (float)random.NextDouble() }).ToArray();
        var labelled = ml.Data.LoadFromEnumerable(points.Take(30).Select(p => new Labelled { Features = p, Label = p[0] > p[1] ? "right" : "left" }).ToList());
        var pool = ml.Data.LoadFromEnumerable(points.Select(p => new Unlabelled { Features = p }).ToList());
        var logistic = Energizer.ML.Tests.Loop.TestLearners.MappedLogistic(ml).Fit(labelled);
        var torch = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions { Network = Networks.Mlp([8], 0.3), Epochs = 3, LearningRate = 0.05, Seed = 1 }))
            .Fit(labelled);

        foreach (var (learner, inference) in new (ITransformer, InferenceMode)[] { (logistic, InferenceMode.Deterministic), (torch, InferenceMode.McDropout(4, consistent: true, seed: 1)) })
        {
            var options = new AcquisitionScorerOptions { Strategy = AcquisitionStrategy.Margin, Inference = inference, MeanProbabilitiesColumnName = "Mean" };
            var scored = ml.ActiveLearning().ScoreAcquisition(learner, options).Fit(pool).Transform(pool);
            CollectionAssert.AreEqual(new[] { "Features", "Acquisition", "RowId", "Mean" }, scored.Schema.Select(c => c.Name).ToArray(), inference.Name);
            var margins = scored.GetColumn<float>("Acquisition").ToArray();
            // Two classes: the margin is 1 − |p₀ − p₁| of the row's mean probabilities.
            var expected = scored.GetColumn<float[]>("Mean").Select(p => (float)(1 - Math.Abs(p[0] - (double)p[1]))).ToArray();
            Assert.HasCount(60, margins);
            for (int i = 0; i < 60; i++) Assert.AreEqual(expected[i], margins[i], 1e-6f, $"{inference.Name}, row {i}");
            // Margin is highest near the boundary x = y.
            int nearest = Enumerable.Range(0, 60).MinBy(i => Math.Abs(points[i][0] - points[i][1]));
            int farthest = Enumerable.Range(0, 60).MaxBy(i => Math.Abs(points[i][0] - points[i][1]));
            Assert.IsGreaterThan(margins[farthest], margins[nearest], inference.Name);
        }
    }
}
