using Microsoft.ML.Data;

namespace DigitsSample;

/// <summary>A prediction: the most likely digit and the probability of each digit.</summary>
public sealed class ModelOutput
{
    /// <summary>The predicted key: 1..10 for digits 0..9 (0 would mean missing).</summary>
    public uint PredictedLabel { get; set; }

    /// <summary>The probability of each digit, index 0 for digit 0.</summary>
    public float[] Score { get; set; } = [];

    /// <summary>The predicted digit, 0..9.</summary>
    [NoColumn]
    public int Digit => (int)PredictedLabel - 1;
}
