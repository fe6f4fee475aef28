using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace Energizer.ML.Tests.Torch;

[TestClass]
public sealed class TorchClassifierBadInputTests
{
    private readonly MLContext _mlContext = new(seed: 1);

    private TorchClassifierTrainer Trainer(Action<TorchClassifierOptions>? configure = null)
    {
        var options = new TorchClassifierOptions { Network = Networks.Mlp([8], 0), Epochs = 2, BatchSize = 8 };
        configure?.Invoke(options);
        return _mlContext.MulticlassClassification.Trainers.TorchClassifier(options);
    }

    [TestMethod]
    public void MissingFeatureColumnIsNamed()
    {
        var data = TinyData.Create(_mlContext);
        var trainer = Trainer(o => o.FeatureColumnName = "Pixels");
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(data));
        StringAssert.Contains(error.Message, "feature column 'Pixels'");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(TorchClassifierTransformerTests.ShapeOf<TinyData.Row>(_mlContext)));
    }

    [TestMethod]
    public void MissingLabelColumnIsNamed()
    {
        var data = TinyData.Create(_mlContext);
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Trainer(o => o.LabelColumnName = "Digit").Fit(data));
        StringAssert.Contains(error.Message, "label column 'Digit'");
    }

    [TestMethod]
    public void LabelThatIsNotAKeySaysToUseMapValueToKey()
    {
        var data = _mlContext.Data.LoadFromEnumerable([new FloatLabelRow { Features = [1, 2, 3, 4], Label = 2 }]);
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Trainer().Fit(data));
        StringAssert.Contains(error.Message, "'Label'");
        StringAssert.Contains(error.Message, "MapValueToKey");
        var shapeError = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => Trainer().GetOutputSchema(TorchClassifierTransformerTests.ShapeOf<FloatLabelRow>(_mlContext)));
        StringAssert.Contains(shapeError.Message, "MapValueToKey");
    }

    [TestMethod]
    public void VariableSizeFeaturesAreRejected()
    {
        var data = KeyLabelled(new VariableRow { Features = [1, 2, 3], Label = 1 });
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Trainer().Fit(data));
        StringAssert.Contains(error.Message, "'Features'");
        StringAssert.Contains(error.Message, "variable-size");
    }

    [TestMethod]
    public void NonSingleFeaturesAreRejected()
    {
        var data = KeyLabelled(new DoubleRow { Features = [1, 2, 3, 4], Label = 1 });
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Trainer().Fit(data));
        StringAssert.Contains(error.Message, "'Features'");
        StringAssert.Contains(error.Message, "Single");
    }

    [TestMethod]
    [DataRow(float.NaN)]
    [DataRow(float.PositiveInfinity)]
    public void NonFiniteFeatureNamesItsRow(float bad)
    {
        var data = TinyData.Create(_mlContext, rows: 20, features: i => i == 13 ? [0, bad, 0, 0] : [i, 0, 0, 0]);
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => Trainer().Fit(data));
        StringAssert.Contains(error.Message, "row 13");
        StringAssert.Contains(error.Message, "'Features'");
    }

    [TestMethod]
    public void NonFiniteFeatureWhenScoringNamesItsRow()
    {
        using var model = Trainer().Fit(TinyData.Create(_mlContext));
        var bad = TinyData.Create(_mlContext, rows: 20, features: i => i == 17 ? [float.NaN, 0, 0, 0] : [i, 0, 0, 0]);
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => model.Transform(bad).GetColumn<float[]>("Score").ToList());
        StringAssert.Contains(error.Message, "row 17");
    }

    [TestMethod]
    public void EmptyTrainingDataIsRejected()
    {
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => Trainer().Fit(TinyData.Create(_mlContext, rows: 0)));
        StringAssert.Contains(error.Message, "no rows");
    }

    [TestMethod]
    public void NetworkWithTheWrongOutputWidthIsRejected()
    {
        var trainer = Trainer(o => o.Network = (features, classes) => nn.Linear(features, classes + 1));
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => trainer.Fit(TinyData.Create(_mlContext)));
        StringAssert.Contains(error.Message, $"[2, {TinyData.Classes}] logits");
        StringAssert.Contains(error.Message, $"[2, {TinyData.Classes + 1}]");
    }

    [TestMethod]
    [DataRow(nameof(TorchClassifierOptions.Epochs), 0)]
    [DataRow(nameof(TorchClassifierOptions.Epochs), -1)]
    [DataRow(nameof(TorchClassifierOptions.BatchSize), 0)]
    [DataRow(nameof(TorchClassifierOptions.MinimumSteps), -1)]
    [DataRow(nameof(TorchClassifierOptions.LearningRate), 0)]
    [DataRow(nameof(TorchClassifierOptions.LearningRate), -0.1)]
    public void NonPositiveTrainingNumbersNameTheOption(string option, double value)
    {
        var trainer = Trainer(o =>
        {
            switch (option)
            {
                case nameof(o.Epochs): o.Epochs = (int)value; break;
                case nameof(o.BatchSize): o.BatchSize = (int)value; break;
                case nameof(o.MinimumSteps): o.MinimumSteps = (int)value; break;
                default: o.LearningRate = value; break;
            }
        });
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(TinyData.Create(_mlContext)));
        Assert.AreEqual(option, error.ParamName);
    }

    [TestMethod]
    public void ScoringDataWithAnotherFeatureSizeIsRejected()
    {
        using var model = Trainer().Fit(TinyData.Create(_mlContext));
        var other = KeyLabelled(new VariableRow { Features = [1, 2, 3], Label = 1 });
        var wide = _mlContext.Transforms.Concatenate("Features", "Features", "Features").Fit(TinyData.Create(_mlContext)).Transform(TinyData.Create(_mlContext));
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Transform(wide));
        StringAssert.Contains(error.Message, "8 features");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Transform(other));
    }

    [TestMethod]
    public void CancellationStopsTraining()
    {
        using var cancel = new CancellationTokenSource();
        var trainer = Trainer(o =>
        {
            o.Epochs = 100;
            o.CancellationToken = cancel.Token;
            o.Progress = report => { if (report.Epoch == 2) cancel.Cancel(); };
        });
        Assert.ThrowsExactly<OperationCanceledException>(() => trainer.Fit(TinyData.Create(_mlContext)));
    }

    private IDataView KeyLabelled<T>(T row) where T : class
    {
        var definition = SchemaDefinition.Create(typeof(T));
        definition["Label"].ColumnType = new KeyDataViewType(typeof(uint), TinyData.Classes);
        return _mlContext.Data.LoadFromEnumerable([row], definition);
    }

    public sealed class FloatLabelRow
    {
        [VectorType(4)]
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }

    public sealed class VariableRow
    {
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }
    }

    public sealed class DoubleRow
    {
        [VectorType(4)]
        public double[] Features { get; set; } = [];

        public uint Label { get; set; }
    }
}
