using Microsoft.ML.Data;

namespace FashionMnistSample;

/// <summary>One 28×28 greyscale image (row-major, pixels / 255) and its class 0..9.</summary>
public sealed class ModelInput
{
    /// <summary>The 784 pixels, row-major, each the file's byte divided by 255.</summary>
    [VectorType(784)]
    public float[] Features { get; set; } = [];

    /// <summary>The class: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot.
    /// The member holds the class index: ML.NET's LoadFromEnumerable reads a [KeyType] member as a
    /// 0-based index, so class c becomes key c + 1 (setting c + 1 here would make class 9 the missing key 0).</summary>
    [KeyType(10)]
    public uint Label { get; set; }
}
