namespace FashionMnistSample;

/// <summary>A prediction: the most likely class (key c + 1 for class c) and each class's probability.</summary>
public sealed class ModelOutput
{
    /// <summary>The predicted key, 1..10.</summary>
    public uint PredictedLabel { get; set; }

    /// <summary>The probability of each class, index c for class c.</summary>
    public float[] Score { get; set; } = [];
}
