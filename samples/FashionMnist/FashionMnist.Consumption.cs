using Energizer.ML.Torch;
using Microsoft.ML;

namespace FashionMnistSample;

/// <summary>Consumption: classifies images with the model the training run saved.</summary>
public static partial class FashionMnist
{
    /// <summary>The class names, index c for class c.</summary>
    public static readonly string[] ClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The saved model <see cref="Predict"/> uses; the training run sets it.</summary>
    public static string ModelPath { get; set; } = Path.GetFullPath(Path.Combine("out", "fashion-mnist", "model.bin"));

    /// <summary>Predicts the class of one image (pixels / 255, as <see cref="IdxReader"/> reads them).</summary>
    public static ModelOutput Predict(ModelInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var mlContext = new MLContext();
        using var stream = File.OpenRead(ModelPath);
        using var model = TorchClassifierTransformer.Load(stream);
        return mlContext.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model).Predict(input);
    }
}
