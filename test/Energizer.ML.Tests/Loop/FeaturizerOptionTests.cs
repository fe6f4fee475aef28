using Energizer.ML.Acquisition;
using Energizer.ML.Loop;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;

namespace Energizer.ML.Tests.Loop;

[TestClass]
public sealed class FeaturizerOptionTests
{
    private sealed class Review
    {
        public string Text { get; set; } = "";

        public string Label { get; set; } = "";
    }

    /// <summary>Rows 0-3 (the initial labels) use only "tasty"/"awful"; "zebra" appears only in the unlabelled rows.</summary>
    private static IDataView Pool(MLContext ml) => ml.Data.LoadFromEnumerable(
    [
        new Review { Text = "tasty snack", Label = "great" },
        new Review { Text = "awful snack", Label = "other" },
        new Review { Text = "tasty tea", Label = "great" },
        new Review { Text = "awful tea", Label = "other" },
        new Review { Text = "zebra tasty", Label = "great" },
        new Review { Text = "zebra awful", Label = "other" },
        new Review { Text = "zebra zebra", Label = "great" },
    ]);

    /// <summary>Word unigrams only, unnormalized, so a row's features are exactly its known words.</summary>
    private static IEstimator<ITransformer> WordBag(MLContext ml) => ml.Transforms.Text.FeaturizeText("Features", new TextFeaturizingEstimator.Options
    {
        CharFeatureExtractor = null,
        WordFeatureExtractor = new WordBagEstimator.Options { NgramLength = 1, UseAllLengths = false },
        Norm = TextFeaturizingEstimator.NormFunction.None,
    }, "Text");

    private static (ActiveLearningResult Result, List<DataViewSchema> FittedOn) Run(bool onPool, int rounds = 0)
    {
        var ml = new MLContext(0);
        var pool = Pool(ml);
        var featurizer = new RecordingEstimator(WordBag(ml));
        var learner = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new Microsoft.ML.Trainers.LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1 }));
        var result = ml.ActiveLearning().Trainer(new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.Margin,
            InitialRowIds = [0, 1, 2, 3],
            QuerySize = 1,
            MaxRounds = rounds,
            Featurizer = featurizer,
            FitFeaturizerOnPool = onPool,
        }).Fit(learner, pool, Oracles.FromLabelColumn("Label"), evaluation: pool);
        return (result, featurizer.FittedOn);
    }

    /// <summary>The features the final model's featurizer gives a row of "zebra".</summary>
    private static float[] ZebraFeatures(ITransformer model)
    {
        var ml = new MLContext(0);
        var row = ml.Data.LoadFromEnumerable([new Review { Text = "zebra", Label = "great" }]);
        return model.Transform(row).GetColumn<float[]>("Features").Single();
    }

    [TestMethod]
    public void OnThePoolTheFeaturizerLearnsUnlabelledWordsWithoutSeeingLabels()
    {
        var (result, fittedOn) = Run(onPool: true, rounds: 2);
        Assert.HasCount(1, fittedOn, "fitted once, on the pool");
        Assert.IsNull(fittedOn[0].GetColumnOrNull("Label"), "the label column is hidden from the featurizer");
        Assert.IsNotNull(fittedOn[0].GetColumnOrNull("Text"));
        Assert.AreEqual(1f, ZebraFeatures(result.Model).Sum(), "'zebra' is only in unlabelled rows, and is in the vocabulary");
        CollectionAssert.AreEqual(new[] { 4, 5, 6 }, result.Rounds.Select(r => r.LabelledCount).ToArray());
        Assert.IsTrue(result.Rounds.All(r => r.Metrics is { MicroAccuracy: > 0 and <= 1 }));
    }

    [TestMethod]
    public void OnTheLabelledRowsTheFeaturizerIsRefittedEachRoundAndKnowsOnlyTheirWords()
    {
        var (result, fittedOn) = Run(onPool: false, rounds: 0);
        Assert.HasCount(1, fittedOn, "one fit for the one round");
        Assert.AreEqual(0f, ZebraFeatures(result.Model).Sum(), "'zebra' is not in the labelled rows' vocabulary");

        (_, fittedOn) = Run(onPool: false, rounds: 2);
        Assert.HasCount(3, fittedOn, "refitted every round");
    }

    [TestMethod]
    public void FitFeaturizerOnPoolWithoutAFeaturizerIsRefused()
    {
        var ml = new MLContext(0);
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.ActiveLearning().Trainer(new ActiveLearningOptions { FitFeaturizerOnPool = true }));
        StringAssert.Contains(e.Message, "ActiveLearningOptions.Featurizer");
    }

    /// <summary>Records the schema of every data set the wrapped estimator is fitted on.</summary>
    private sealed class RecordingEstimator(IEstimator<ITransformer> inner) : IEstimator<ITransformer>
    {
        public List<DataViewSchema> FittedOn { get; } = [];

        public ITransformer Fit(IDataView input)
        {
            FittedOn.Add(input.Schema);
            return inner.Fit(input);
        }

        public SchemaShape GetOutputSchema(SchemaShape inputSchema) => inner.GetOutputSchema(inputSchema);
    }
}
