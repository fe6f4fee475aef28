using Energizer.ML.Samples;

namespace DigitsSample;

/// <summary>What one run of the sample does (from the command line).</summary>
public sealed record DigitsSettings
{
    /// <summary>The strategies to compare, run one after another on the same seed.</summary>
    public required IReadOnlyList<StrategyChoice> Strategies { get; init; }

    /// <summary>Queries per strategy (each followed by a fit).</summary>
    public int Rounds { get; init; } = 30;

    /// <summary>Rows labelled per query.</summary>
    public int QuerySize { get; init; } = 10;

    /// <summary>Rows labelled at random before the first query.</summary>
    public int InitialLabelled { get; init; } = 10;

    /// <summary>Training epochs of each fit.</summary>
    public int Epochs { get; init; } = 100;

    /// <summary>The fewest optimizer steps of each fit (<c>TorchClassifierOptions.MinimumSteps</c>); null: the library's default.</summary>
    public int? MinimumSteps { get; init; }

    /// <summary>TorchSharp threads: this small network trains fastest on one (thread hand-offs cost more than they save, badly so on a busy machine).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>MC-Dropout passes of BALD-type strategies.</summary>
    public int McDropoutIterations { get; init; } = 20;

    /// <summary>The seed of the split, the initial set, the network and the strategies.</summary>
    public int Seed { get; init; }

    /// <summary>Seeds per strategy: <see cref="Seed"/>, <see cref="Seed"/> + 1, ...</summary>
    public int Seeds { get; init; } = 1;

    /// <summary>How the initial labels are chosen: Random, TypiClust or ProbCover (<see cref="StrategyChoice.ColdStart"/>).</summary>
    public string InitialStrategy { get; init; } = "Random";

    /// <summary>What TypiClust, ProbCover, CoreSet and the cold start measure distances on.</summary>
    public EmbeddingSource Embedding { get; init; } = EmbeddingSource.Network;

    /// <summary>The purity ProbCover chooses δ from, as a query strategy and as the cold start.</summary>
    public double ProbCoverPurity { get; init; } = StrategyChoice.DefaultProbCoverPurity;

    /// <summary>Principal components of <see cref="EmbeddingSource.Pca"/>.</summary>
    public int PcaRank { get; init; } = 16;

    /// <summary>The pool column <see cref="Embedding"/> reads (<c>ActiveLearningOptions.EmbeddingColumnName</c>); null: the network's penultimate layer.</summary>
    public string? EmbeddingColumnName { get; init; }

    /// <summary>Where the CSV, the PNG, the model and checkpoints go.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The digits CSV.</summary>
    public required string DataPath { get; init; }

    /// <summary>Where comparison runs are checkpointed (one folder per strategy); null: not at all.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>A person labels (the first strategy only), with a checkpoint after every label.</summary>
    public bool Interactive { get; init; }

    /// <summary>A person labels in a browser (<c>--web</c>): as <see cref="Interactive"/>, with the labelling page as the oracle.</summary>
    public bool Web { get; init; }
}
