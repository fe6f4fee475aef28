using Energizer.ML.Samples;

namespace ReviewsSample;

/// <summary>What one run of the sample does (from the command line).</summary>
public sealed record ReviewsSettings
{
    /// <summary>The strategies to compare, run one after another on the same seeds.</summary>
    public required IReadOnlyList<StrategyChoice> Strategies { get; init; }

    /// <summary>The learner: L-BFGS maximum entropy, or a TorchSharp MLP with MC-Dropout.</summary>
    public LearnerChoice Learner { get; init; } = LearnerChoice.MaxEnt;

    /// <summary>Rows labelled at random before the first query.</summary>
    public int InitialLabelled { get; init; } = 20;

    /// <summary>Rows labelled per query.</summary>
    public int QuerySize { get; init; } = 20;

    /// <summary>Total labels, the initial ones included.</summary>
    public int Budget { get; init; } = 300;

    /// <summary>Fit the text featurizer on every pool review (no labels) instead of the labelled ones only.</summary>
    public bool FeaturizeOnPool { get; init; } = true;

    /// <summary>Training epochs of each MLP fit.</summary>
    public int Epochs { get; init; } = 30;

    /// <summary>How the MLP's first layer learns from the sparse n-grams: lazy Adam (only each batch's n-grams) or dense Adam.</summary>
    public Energizer.ML.Torch.SparseUpdate SparseUpdate { get; init; } = Energizer.ML.Torch.SparseUpdate.Lazy;

    /// <summary>MC-Dropout passes of BALD with the MLP.</summary>
    public int McDropoutIterations { get; init; } = 20;

    /// <summary>The first seed (of the initial labels, the learner and the strategies).</summary>
    public int Seed { get; init; }

    /// <summary>Seeds run per strategy: <see cref="Seed"/>, <see cref="Seed"/> + 1, ...</summary>
    public int Seeds { get; init; } = 1;

    /// <summary>Where the CSV, the PNG, histories and checkpoints go.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The pool: the training TSV.</summary>
    public required string PoolPath { get; init; }

    /// <summary>The test set: the testing TSV.</summary>
    public required string TestPath { get; init; }

    /// <summary>A person labels (the first strategy, first seed), with a checkpoint after every label.</summary>
    public bool Interactive { get; init; }

    /// <summary>A person labels in a browser (<c>--web</c>): as <see cref="Interactive"/>, with the labelling page as the oracle.</summary>
    public bool Web { get; init; }
}
