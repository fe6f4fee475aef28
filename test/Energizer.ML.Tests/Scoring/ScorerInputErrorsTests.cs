using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Scoring;
using Energizer.ML.Tests.Loop;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Scoring;

[TestClass]
public sealed class ScorerInputErrorsTests
{
    [TestMethod]
    public void DiversityStrategyWithoutEmbeddingsSaysWhereToGetThem()
    {
        var ml = new MLContext(0);
        var data = ml.Data.LoadFromEnumerable(Digits.Rows.Take(60));
        var logistic = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy().Fit(data);
        var error = Assert.ThrowsExactly<ArgumentException>(() => ml.ActiveLearning().ScoreAcquisition(logistic, AcquisitionStrategy.CoreSet).Fit(data));
        StringAssert.Contains(error.Message, "needs row embeddings");
        StringAssert.Contains(error.Message, "name an embedding column");

        // Naming a pool column works with any learner.
        var scored = ml.ActiveLearning().ScoreAcquisition(logistic, new AcquisitionScorerOptions
        {
            Strategy = AcquisitionStrategy.CoreSet,
            EmbeddingColumnName = "Features",
        }).Fit(data).Transform(data);
        var selection = ml.ActiveLearning().SelectTopK(scored, 4, new SelectionOptions { Labelled = new HashSet<long> { 0, 1 } });
        Assert.AreEqual(4, selection.RowIds.Count);
        Assert.IsFalse(selection.RowIds.Contains(0) || selection.RowIds.Contains(1));
    }

    [TestMethod]
    public void PoolWithoutTheFeatureColumnIsNamed()
    {
        var ml = new MLContext(0);
        var data = ml.Data.LoadFromEnumerable(Digits.Rows.Take(40));
        var model = ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions { Network = Networks.Mlp([8], 0.2), Epochs = 1 }).Fit(data);
        var renamed = ml.Transforms.CopyColumns("Pixels", "Features").Fit(data).Transform(data);
        var other = ml.Transforms.SelectColumns("Pixels", "Label").Fit(renamed).Transform(renamed);
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.ActiveLearning().ScoreAcquisition(model, AcquisitionStrategy.Bald, InferenceMode.McDropout(4)).Fit(other));
        StringAssert.Contains(error.Message, "Could not find feature column 'Features'");
    }
}
