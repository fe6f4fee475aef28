using Energizer.ML.Onnx;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Tests.Onnx;

[TestClass]
public sealed class ModelSaveTests
{
    private static readonly string[] Animals = ["cat", "dog", "bird"];

    [TestMethod]
    public void SavedChainLoadsWithModelLoadAndScoresTheSame()
    {
        var mlContext = new MLContext(seed: 1);
        var data = AnimalData(mlContext);
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
            {
                Network = Networks.Mlp([8], 0.2),
                Epochs = 3,
                BatchSize = 16,
                Seed = 2,
            }));
        var model = pipeline.Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"energizer-save-{Guid.NewGuid():N}.zip");
        try
        {
            mlContext.Model.Save(model, data.Schema, path);
            var loaded = new MLContext(seed: 3).Model.Load(path, out var schema);
            Assert.AreEqual("Features", schema["Features"].Name);

            var expected = model.Transform(data);
            var actual = loaded.Transform(data);
            var expectedScores = expected.GetColumn<float[]>("Score").ToArray();
            var actualScores = actual.GetColumn<float[]>("Score").ToArray();
            OnnxRun.AssertClose([.. expectedScores.SelectMany(s => s)], [.. actualScores.SelectMany(s => s)], 1e-5, "Score");
            Assert.AreEqual(expected.Schema["Score"].Type, actual.Schema["Score"].Type);

            Assert.AreEqual(expected.Schema["PredictedLabel"].Type, actual.Schema["PredictedLabel"].Type);
            CollectionAssert.AreEqual(KeyValues(expected.Schema["PredictedLabel"]), KeyValues(actual.Schema["PredictedLabel"]));
            CollectionAssert.AreEqual(expected.GetColumn<uint>("PredictedLabel").ToArray(), actual.GetColumn<uint>("PredictedLabel").ToArray());
            Assert.AreEqual(string.Join(",", data.Schema.Select(c => c.Name).Append("Score").Append("PredictedLabel")),
                string.Join(",", actual.Schema.Where(c => !c.IsHidden).Select(c => c.Name)));
        }
        finally
        {
            File.Delete(path);
            ((IDisposable)model.LastTransformer).Dispose();
        }
    }

    [TestMethod]
    public void UnsupportedLayerFailsTheSaveAndSaveAtomicallyLeavesNoFile()
    {
        var mlContext = new MLContext(seed: 1);
        var data = AnimalData(mlContext);
        var model = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
            {
                Network = (features, classes) => nn.Sequential(("fc", nn.Linear(features, 4)), ("elu", nn.ELU()), ("output", nn.Linear(4, classes))),
                Epochs = 1,
                Seed = 2,
            }))
            .Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"energizer-save-{Guid.NewGuid():N}.zip");
        try
        {
            var error = Assert.Throws<NotSupportedException>(() => mlContext.Model.SaveAtomically(model, data.Schema, path));
            StringAssert.Contains(error.Message, "'elu' (ELU)");
            Assert.IsFalse(File.Exists(path));
            Assert.IsEmpty(Directory.GetFiles(Path.GetTempPath(), $".{Path.GetFileName(path)}.*"));
        }
        finally
        {
            File.Delete(path);
            ((IDisposable)model.LastTransformer).Dispose();
        }
    }

    private static string[] KeyValues(DataViewSchema.Column column)
    {
        VBuffer<ReadOnlyMemory<char>> values = default;
        column.GetKeyValues(ref values);
        return [.. values.DenseValues().Select(v => v.ToString())];
    }

    private static IDataView AnimalData(MLContext mlContext)
    {
        var random = new Random(4);
        var rows = Enumerable.Range(0, 48).Select(i => new AnimalRow
        {
            Label = Animals[i % 3],
            Features = [i % 3 + (float)random.NextDouble(), (i % 3) * -0.5f, (float)random.NextDouble(), 1f],
        });
        return mlContext.Data.LoadFromEnumerable(rows.ToList());
    }

    private sealed class AnimalRow
    {
        public string Label { get; set; } = "";

        [VectorType(4)]
        public float[] Features { get; set; } = [];
    }
}
