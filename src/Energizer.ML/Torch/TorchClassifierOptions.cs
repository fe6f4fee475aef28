using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Torch;

/// <summary>Options of <see cref="TorchClassifierTrainer"/>: the network, how to train it, and on which columns.</summary>
public sealed class TorchClassifierOptions
{
    /// <summary>The features: a known-size vector of <see cref="float"/>. Default "Features".</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>The label: a key type (use <c>MapValueToKey</c> on raw labels). Rows whose key is missing (0) are skipped. Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>
    /// Builds the network from the feature count and the class count; it maps a [batch, features]
    /// tensor to [batch, classes] logits (no softmax). Called once per fit, after the torch seed is
    /// set, so initial weights are reproducible. Default: <see cref="Networks.Mlp"/> with hidden
    /// sizes 256 and 128 and dropout 0.2.
    /// </summary>
    public Func<int, int, nn.Module<Tensor, Tensor>> Network { get; set; } = Networks.Mlp([256, 128], 0.2);

    /// <summary>Passes over the training data, unless <see cref="MinimumSteps"/> asks for more. Default 20.</summary>
    public int Epochs { get; set; } = 20;

    /// <summary>
    /// The fewest optimizer steps a fit makes: when <see cref="Epochs"/> passes of
    /// ⌈rows / <see cref="BatchSize"/>⌉ steps each come to fewer, the fit runs
    /// ⌈<see cref="MinimumSteps"/> / steps per epoch⌉ epochs instead. Without it the amount of
    /// training depends on the labelled-set size by accident: 20 rows in batches of 32 are one step
    /// per epoch, so 50 epochs are 50 steps, too few to fit them, while 2,000 rows get 3,150.
    /// Early stopping (<see cref="EarlyStoppingPatience"/>) may still end the fit sooner; 0 turns the floor off.
    /// Default 250: measured on the Digits sample (docs/design.md, "Training on few labels").
    /// </summary>
    public int MinimumSteps { get; set; } = 250;

    /// <summary>Rows per optimisation step (and per forward when scoring). Default 64.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>The optimiser's step size. Default 0.001.</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>The optimiser. Default <see cref="TorchOptimizer.Adam"/>.</summary>
    public TorchOptimizer Optimizer { get; set; } = TorchOptimizer.Adam;

    /// <summary>
    /// Adam's and AdamW's β₁, the decay of the running mean of gradients. Default 0.9.
    /// </summary>
    public double AdamBeta1 { get; set; } = 0.9;

    /// <summary>
    /// Adam's and AdamW's β₂, the decay of the running mean of squared gradients. Default 0.99:
    /// the value TorchSharp's <c>optim.Adam</c> factory uses, which this library trained with
    /// before it owned its optimisers (PyTorch's default is 0.999).
    /// </summary>
    public double AdamBeta2 { get; set; } = 0.99;

    /// <summary>Momentum of <see cref="TorchOptimizer.Sgd"/>. Default 0.9.</summary>
    public double Momentum { get; set; } = 0.9;

    /// <summary>Weight decay (L2 for Adam and SGD, decoupled for AdamW). Default 0.</summary>
    public double WeightDecay { get; set; }

    /// <summary>
    /// How Adam and AdamW update the first <c>Linear</c> of a <see cref="TorchSharp.Modules.Sequential"/>
    /// network when the training rows come sparse. Default <see cref="Torch.SparseUpdate.Lazy"/>:
    /// only the columns a batch touches are read and updated (lazy Adam, see the enum). SGD, dense
    /// rows and other networks always train dense.
    /// </summary>
    public SparseUpdate SparseUpdate { get; set; } = SparseUpdate.Lazy;

    /// <summary>
    /// Seeds torch's generator before the network is built and the epoch shuffles: the same seed,
    /// data and thread count give identical weights. TorchSharp's generator is process-wide, so
    /// fits running concurrently in one process are not reproducible. Default 0.
    /// </summary>
    public int Seed { get; set; }

    /// <summary>Where the network trains and scores. Default <see cref="DeviceType.CPU"/>; <see cref="DeviceType.CUDA"/> needs <c>torch.cuda.is_available()</c>.</summary>
    public DeviceType Device { get; set; } = DeviceType.CPU;

    /// <summary>Shuffle the training rows before each epoch (seeded by <see cref="Seed"/>). Default true.</summary>
    public bool Shuffle { get; set; } = true;

    /// <summary>Rows scored after each epoch for <see cref="TorchEpochReport.ValidationLoss"/> and early stopping; same columns as the training data. Default none.</summary>
    public IDataView? ValidationData { get; set; }

    /// <summary>
    /// With <see cref="ValidationData"/>: stop after this many epochs without a lower validation
    /// loss and keep the weights of the best epoch. 0 (default) trains all <see cref="Epochs"/>.
    /// </summary>
    public int EarlyStoppingPatience { get; set; }

    /// <summary>Per-class weights of the default cross-entropy loss (length = class count), e.g. for imbalanced labels. Default none (all 1).</summary>
    public float[]? ClassWeights { get; set; }

    /// <summary>
    /// A custom training loss from logits [batch, classes] and 0-based class indices [batch]
    /// (int64) to a scalar tensor. Default: cross-entropy (with <see cref="ClassWeights"/>).
    /// </summary>
    public Func<Tensor, Tensor, Tensor>? Loss { get; set; }

    /// <summary>Called after each epoch with its losses. Default none.</summary>
    public Action<TorchEpochReport>? Progress { get; set; }

    /// <summary>Receives human-readable log lines (data read, epochs, early stopping). Default none.</summary>
    public Action<string>? Log { get; set; }

    /// <summary>Checked between optimisation steps; cancelling throws <see cref="OperationCanceledException"/>. Default none.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>
    /// Warm start: begin training from this fitted model's weights instead of fresh ones (the
    /// network shapes must match). Null (the default) starts from the seeded initial weights.
    /// Not saved with the model.
    /// </summary>
    public TorchClassifierTransformer? WarmStartFrom { get; set; }

    /// <summary>A shallow copy (the network factory, validation data and callbacks are shared).</summary>
    public TorchClassifierOptions Clone() => (TorchClassifierOptions)MemberwiseClone();

    /// <summary>The epochs a fit on <paramref name="rows"/> training rows runs: <see cref="Epochs"/>, raised so that it makes at least <see cref="MinimumSteps"/> optimizer steps.</summary>
    internal int EpochsFor(int rows)
    {
        int stepsPerEpoch = (int)Math.Ceiling(rows / (double)BatchSize);
        return Math.Max(Epochs, (int)Math.Ceiling(MinimumSteps / (double)stepsPerEpoch));
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(FeatureColumnName))
            throw new ArgumentException("FeatureColumnName must name a column.", nameof(FeatureColumnName));
        if (string.IsNullOrWhiteSpace(LabelColumnName))
            throw new ArgumentException("LabelColumnName must name a column.", nameof(LabelColumnName));
        if (Network is null) throw new ArgumentNullException(nameof(Network), "Network must be a factory of the network to train.");
        if (Epochs <= 0) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be positive.");
        if (MinimumSteps < 0) throw new ArgumentOutOfRangeException(nameof(MinimumSteps), MinimumSteps, "MinimumSteps must be zero (no floor) or positive.");
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be positive.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be a positive finite number.");
        if (!(AdamBeta1 >= 0 && AdamBeta1 < 1)) throw new ArgumentOutOfRangeException(nameof(AdamBeta1), AdamBeta1, "AdamBeta1 must be in [0, 1).");
        if (!(AdamBeta2 >= 0 && AdamBeta2 < 1)) throw new ArgumentOutOfRangeException(nameof(AdamBeta2), AdamBeta2, "AdamBeta2 must be in [0, 1).");
        if (Momentum < 0 || double.IsNaN(Momentum)) throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "Momentum must be zero or positive.");
        if (WeightDecay < 0 || double.IsNaN(WeightDecay)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "WeightDecay must be zero or positive.");
        if (EarlyStoppingPatience < 0)
            throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), EarlyStoppingPatience, "EarlyStoppingPatience must be zero (off) or positive.");
        if (!Enum.IsDefined(Optimizer)) throw new ArgumentOutOfRangeException(nameof(Optimizer), Optimizer, "Unknown optimizer.");
        if (!Enum.IsDefined(SparseUpdate)) throw new ArgumentOutOfRangeException(nameof(SparseUpdate), SparseUpdate, "Unknown sparse update.");
        if (Device == DeviceType.CUDA && !torch.cuda.is_available())
            throw new ArgumentException("Device is CUDA but torch.cuda.is_available() is false (is a TorchSharp CUDA package referenced?).", nameof(Device));
        if (Device is not (DeviceType.CPU or DeviceType.CUDA))
            throw new ArgumentOutOfRangeException(nameof(Device), Device, "Device must be CPU or CUDA.");
    }
}
