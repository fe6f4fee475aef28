using System.Globalization;
using Energizer.ML.Tests.Foundation;
using Energizer.ML.Tests.Loop;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Onnx;

/// <summary>
/// A TorchClassifier saved with mlContext.Model.Save loads in a fresh process whose app
/// references only Microsoft.ML, Microsoft.ML.OnnxTransformer and ONNX Runtime (no Energizer.ML,
/// no TorchSharp), and scores the same.
/// </summary>
[TestClass]
public sealed class SeparateProcessLoadTests
{
    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void SavedModelScoresTheSameInAProcessWithoutEnergizerOrTorchSharp()
    {
        var ml = new MLContext(1);
        var rows = Digits.Rows.Take(300).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        using var model = ml.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = Networks.Mlp([32], 0.2),
            Epochs = 5,
            Seed = 3,
        }).Fit(data);
        var probe = rows.Take(20).ToList();
        var expected = model.Transform(ml.Data.LoadFromEnumerable(probe)).GetColumn<float[]>("Score").SelectMany(s => s).ToArray();

        string work = Directory.CreateTempSubdirectory("energizer-onnx-load-").FullName;
        try
        {
            string zip = Path.Combine(work, "model.zip");
            ml.Model.Save(model, data.Schema, zip);
            File.WriteAllLines(Path.Combine(work, "features.csv"),
                probe.Select(r => string.Join(',', r.Features.Select(f => f.ToString("R", CultureInfo.InvariantCulture)))));
            string app = Path.Combine(work, "app");
            Directory.CreateDirectory(app);
            DotnetCommand.WriteNuGetConfig(app);
            DotnetCommand.WriteConsoleApp(app, "Load",
                """<PackageReference Include="Microsoft.ML" Version="5.0.1" /><PackageReference Include="Microsoft.ML.OnnxTransformer" Version="5.0.1" /><PackageReference Include="Microsoft.ML.OnnxRuntime" Version="1.31.1" />""",
                """
                using System.Globalization;
                using Microsoft.ML;
                using Microsoft.ML.Data;
                var ml = new MLContext();
                var model = ml.Model.Load(args[0], out _);
                var rows = File.ReadAllLines(args[1]).Select(l => new Row { Features = l.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray() });
                var scores = model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("Score").SelectMany(s => s);
                Console.WriteLine("scores " + string.Join(' ', scores.Select(s => s.ToString("R", CultureInfo.InvariantCulture))));
                sealed class Row { [VectorType(64)] public float[] Features { get; set; } = []; }
                """);
            string output = DotnetCommand.Run(app, "run", "-c", "Release", "--", zip, Path.Combine(work, "features.csv"));
            string line = output.Split('\n').Single(l => l.StartsWith("scores ", StringComparison.Ordinal));
            var actual = line["scores ".Length..].Trim().Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.AreEqual(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-5f, $"score {i}");
        }
        finally
        {
            Directory.Delete(work, true);
        }
    }
}
