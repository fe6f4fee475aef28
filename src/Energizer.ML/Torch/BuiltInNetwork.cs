using System.Globalization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Torch;

/// <summary>
/// A network of <see cref="Networks"/> that can describe itself in one line, so a saved model
/// records how to rebuild it. <see cref="Networks"/> hands out <see cref="Create"/> as the factory
/// delegate; the delegate's target identifies the built-in network.
/// </summary>
internal abstract class BuiltInNetwork
{
    public abstract string Description { get; }

    public abstract nn.Module<Tensor, Tensor> Create(int featureCount, int classCount);

    /// <summary>The description of <paramref name="factory"/> when it is a built-in network, otherwise null.</summary>
    public static string? Describe(Func<int, int, nn.Module<Tensor, Tensor>> factory) =>
        (factory.Target as BuiltInNetwork)?.Description;

    /// <summary>Rebuilds the factory that <see cref="Description"/> described.</summary>
    public static Func<int, int, nn.Module<Tensor, Tensor>> Parse(string description)
    {
        string[] parts = description.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var values = parts.Skip(1).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        double dropout = double.Parse(values["dropout"], CultureInfo.InvariantCulture);
        return parts[0] switch
        {
            MlpNetwork.Name => Networks.Mlp(
                values["hidden"].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(),
                dropout),
            ConvNetwork.Name => Networks.ConvNet(
                int.Parse(values["channels"], CultureInfo.InvariantCulture),
                int.Parse(values["height"], CultureInfo.InvariantCulture),
                int.Parse(values["width"], CultureInfo.InvariantCulture),
                dropout),
            _ => throw new FormatException($"Unknown built-in network '{description}'."),
        };
    }

    protected static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

internal sealed class MlpNetwork(int[] hiddenSizes, double dropout) : BuiltInNetwork
{
    public const string Name = "Mlp";

    public override string Description =>
        $"{Name} hidden={string.Join(',', hiddenSizes.Select(h => h.ToString(CultureInfo.InvariantCulture)))} dropout={Format(dropout)}";

    public override nn.Module<Tensor, Tensor> Create(int featureCount, int classCount)
    {
        // A factory may be the app's first TorchSharp call (a network built by hand before any fit).
        TorchRuntime.EnsureLoaded();
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        int inputs = featureCount;
        for (int i = 0; i < hiddenSizes.Length; i++)
        {
            layers.Add(($"fc{i + 1}", nn.Linear(inputs, hiddenSizes[i])));
            layers.Add(($"relu{i + 1}", nn.ReLU()));
            if (dropout > 0) layers.Add(($"dropout{i + 1}", nn.Dropout(dropout)));
            inputs = hiddenSizes[i];
        }
        layers.Add(("output", nn.Linear(inputs, classCount)));
        return nn.Sequential(layers);
    }
}

internal sealed class ConvNetwork(int channels, int height, int width, double dropout) : BuiltInNetwork
{
    public const string Name = "ConvNet";
    private const int Filters1 = 32, Filters2 = 64, Dense = 128;

    public override string Description =>
        string.Create(CultureInfo.InvariantCulture, $"{Name} channels={channels} height={height} width={width} dropout={Format(dropout)}");

    public override nn.Module<Tensor, Tensor> Create(int featureCount, int classCount)
    {
        TorchRuntime.EnsureLoaded();
        if (featureCount != channels * height * width)
            throw new ArgumentException(
                $"ConvNet({channels}, {height}, {width}) needs {channels * height * width} features per row, the data has {featureCount}.",
                nameof(featureCount));
        // Two 2x2 poolings with floor rounding.
        long flat = Filters2 * (height / 2 / 2) * (width / 2 / 2);
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>
        {
            ("unflatten", nn.Unflatten(1, [channels, height, width])),
            ("conv1", nn.Conv2d(channels, Filters1, 3, padding: 1)),
            ("relu1", nn.ReLU()),
            ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(Filters1, Filters2, 3, padding: 1)),
            ("relu2", nn.ReLU()),
            ("pool2", nn.MaxPool2d(2)),
            ("flatten", nn.Flatten()),
        };
        if (dropout > 0) layers.Add(("dropout1", nn.Dropout(dropout)));
        layers.Add(("fc1", nn.Linear(flat, Dense)));
        layers.Add(("relu3", nn.ReLU()));
        if (dropout > 0) layers.Add(("dropout2", nn.Dropout(dropout)));
        layers.Add(("output", nn.Linear(Dense, classCount)));
        return nn.Sequential(layers);
    }
}
