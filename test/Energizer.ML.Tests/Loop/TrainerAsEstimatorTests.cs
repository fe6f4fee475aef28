using Energizer.ML.Acquisition;
using Energizer.ML.Loop;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Loop;

/// <summary>The trainer as an ML.NET estimator: appended to a featurizer, fitted on a pool, saved and loaded.</summary>
[TestClass]
public sealed class TrainerAsEstimatorTests
{
    private static ActiveLearningOptions Options() => new()
    {
        Strategy = AcquisitionStrategy.Margin,
        QuerySize = 10,
        InitialLabelledCount = 10,
        MaxRounds = 3,
        Seed = 7,
    };

    private static float[][] Scores(IDataView scored) => [.. scored.GetColumn<float[]>("Score")];

    [TestMethod]
    public void APipelineEndingInTheTrainerSelectsScoresAndSavesAsTheFinalModel()
    {
        var ml = new MLContext(1);
        var (pool, test) = Digits.Split(ml);
        var featurizer = ml.Transforms.NormalizeMeanVariance("Features");

        // Today's form: the pool featurized beforehand, the loop fitted on it.
        var features = featurizer.Fit(pool);
        var reference = ml.ActiveLearning().Trainer(Options()).Fit(TestLearners.MappedLogistic(ml), features.Transform(pool), Oracles.FromLabelColumn());

        var pipeline = featurizer.Append(ml.ActiveLearning().Trainer(Options(), TestLearners.MappedLogistic(ml), Oracles.FromLabelColumn()));
        var model = pipeline.Fit(pool);
        var run = model.LastTransformer.Result;

        Assert.HasCount(reference.Rounds.Count, run.Rounds);
        for (int i = 0; i < reference.Rounds.Count; i++)
            CollectionAssert.AreEqual(reference.Rounds[i].SelectedRowIds.ToArray(), run.Rounds[i].SelectedRowIds.ToArray(), $"round {i}");
        CollectionAssert.AreEqual(reference.LabelledRowIds.ToArray(), run.LabelledRowIds.ToArray());

        // The pipeline scores as the featurizer followed by the final model.
        var expected = Scores(reference.Model.Transform(features.Transform(test)));
        var actual = Scores(model.Transform(test));
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++) CollectionAssert.AreEqual(expected[i], actual[i], $"test row {i}");
        Assert.AreEqual(
            reference.Model.GetOutputSchema(features.Transform(test).Schema)["Score"].Type,
            model.GetOutputSchema(test.Schema)["Score"].Type);

        // Saved and loaded through mlContext.Model, it still scores the same.
        string path = Path.Combine(Path.GetTempPath(), $"energizer-pipeline-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, pool.Schema, path);
            var loaded = ml.Model.Load(path, out _);
            var reloaded = Scores(loaded.Transform(test));
            for (int i = 0; i < expected.Length; i++) CollectionAssert.AreEqual(expected[i], reloaded[i], $"test row {i} after loading");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void ATrainerMadeWithoutALearnerSaysHowToMakeOneThatFits()
    {
        var ml = new MLContext(0);
        var (pool, _) = Digits.Split(ml);
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => ml.ActiveLearning().Trainer(Options()).Fit(pool));
        StringAssert.Contains(error.Message, "mlContext.ActiveLearning().Trainer(options, learner, oracle, evaluation)");
    }
}
