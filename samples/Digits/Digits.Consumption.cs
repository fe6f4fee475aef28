using Energizer.ML.Torch;
using Microsoft.ML;

namespace DigitsSample;

/// <summary>Consumption: predicts digits with the model the training run saved.</summary>
public static partial class Digits
{
    private static readonly Lock EngineLock = new();
    private static (string Path, PredictionEngine<ModelInput, ModelOutput> Engine)? s_engine;

    /// <summary>The saved model <see cref="Predict"/> uses; the training run sets it to where it saved the best model.</summary>
    public static string ModelPath { get; set; } = Path.GetFullPath(Path.Combine("out", "digits", "model.bin"));

    /// <summary>Predicts the digit of one image (pixels scaled to [0, 1], as <see cref="DigitsData"/> reads them).</summary>
    public static ModelOutput Predict(ModelInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        lock (EngineLock)
        {
            if (s_engine is not { } cached || cached.Path != ModelPath)
            {
                cached = (ModelPath, CreatePredictEngine(ModelPath));
                s_engine = cached;
            }
            return cached.Engine.Predict(input);
        }
    }

    private static PredictionEngine<ModelInput, ModelOutput> CreatePredictEngine(string path)
    {
        var mlContext = new MLContext();
        using var stream = File.OpenRead(path);
        var model = TorchClassifierTransformer.Load(stream);
        return mlContext.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model);
    }
}
