using Microsoft.ML.Data;

namespace DigitsSample;

/// <summary>One digit image: 64 pixels of an 8×8 image (row-major) scaled to [0, 1], and its digit.</summary>
public sealed class ModelInput
{
    /// <summary>The pixels, row-major, each the file's count 0..16 divided by 16.</summary>
    [VectorType(64)]
    public float[] Features { get; set; } = [];

    /// <summary>The digit 0..9. The learner maps it to a key (digit d is key d + 1).</summary>
    public float Label { get; set; }
}
