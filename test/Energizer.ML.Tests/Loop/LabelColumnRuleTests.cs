using Energizer.ML.Acquisition;
using Energizer.ML.Loop;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace Energizer.ML.Tests.Loop;

/// <summary>
/// The one rule for label columns: the learner's label is the column the loop writes the oracle's
/// answers into (<see cref="ActiveLearningOptions.LabelColumnName"/>), mapped in place.
/// </summary>
[TestClass]
public sealed class LabelColumnRuleTests
{
    private sealed class DigitRow
    {
        [VectorType(64)]
        public float[] Features { get; set; } = [];

        public float Digit { get; set; }
    }

    private static IDataView Pool(MLContext ml) =>
        ml.Data.LoadFromEnumerable(Digits.Rows.Take(200).Select(r => new DigitRow { Features = r.Features, Digit = r.Label }));

    private static LbfgsMaximumEntropyMulticlassTrainer Logistic(MLContext ml, string label) =>
        ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
        {
            LabelColumnName = label,
            NumberOfThreads = 1,
            MaximumNumberOfIterations = 20,
        });

    [TestMethod]
    public void ALearnerThatMapsItsLabelFromAnotherPoolColumnIsRefusedWithWhatToSet()
    {
        // The pool's labels are in 'Digit'; the learner makes 'Label' from 'Digit'; the loop writes
        // the oracle's answers into 'Label' (the default), which MapValueToKey then overwrites.
        var ml = new MLContext(0);
        var learner = ml.Transforms.Conversion.MapValueToKey("Label", "Digit").Append(Logistic(ml, "Label"));
        var options = new ActiveLearningOptions { Strategy = AcquisitionStrategy.Margin, QuerySize = 5, MaxRounds = 1, Seed = 1 };
        var error = Assert.Throws<InvalidOperationException>(() =>
            ml.ActiveLearning().Trainer(options).Fit(learner, Pool(ml), Oracles.FromLabelColumn("Digit")));
        StringAssert.Contains(error.Message, "computes its label column 'Label' from column 'Digit'");
        StringAssert.Contains(error.Message, "ActiveLearningOptions.LabelColumnName = \"Digit\"");
        StringAssert.Contains(error.Message, "MapValueToKey(\"Digit\")");
    }

    [TestMethod]
    public void TheRuleFollowedTheSameDataRuns()
    {
        var ml = new MLContext(0);
        var learner = ml.Transforms.Conversion.MapValueToKey("Digit").Append(Logistic(ml, "Digit"));
        var options = new ActiveLearningOptions { Strategy = AcquisitionStrategy.Margin, QuerySize = 5, MaxRounds = 1, Seed = 1, LabelColumnName = "Digit" };
        var result = ml.ActiveLearning().Trainer(options).Fit(learner, Pool(ml), Oracles.FromLabelColumn("Digit"));
        // 10 initial labels (the default) + one query of 5.
        Assert.AreEqual(15, result.Labels.Count);
        Assert.AreEqual(5, result.Rounds[0].SelectedRowIds.Count);
    }

    [TestMethod]
    public void AnUnmappedLabelColumnSaysHowToMapItInPlace()
    {
        // LabelColumnName = "Digit" but the learner maps 'Digit' to 'Label': evaluation finds 'Digit'
        // still a float after the learner.
        var ml = new MLContext(0);
        var learner = ml.Transforms.Conversion.MapValueToKey("Label", "Digit").Append(Logistic(ml, "Label"));
        var options = new ActiveLearningOptions { Strategy = AcquisitionStrategy.Margin, QuerySize = 5, MaxRounds = 1, Seed = 1, LabelColumnName = "Digit" };
        var error = Assert.Throws<InvalidOperationException>(() =>
            ml.ActiveLearning().Trainer(options).Fit(learner, Pool(ml), Oracles.FromLabelColumn("Digit"), evaluation: Pool(ml)));
        StringAssert.Contains(error.Message, "map it in place at the start of the learner, mlContext.Transforms.Conversion.MapValueToKey(\"Digit\")");
    }
}
