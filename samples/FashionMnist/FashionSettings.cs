using Energizer.ML.Inference;
using Energizer.ML.Samples;

namespace FashionMnistSample;

/// <summary>What one run of the sample does (from the command line).</summary>
public sealed record FashionSettings
{
    /// <summary>The strategies to compare, one after another on the same seed.</summary>
    public required IReadOnlyList<StrategyChoice> Strategies { get; init; }

    /// <summary>Queries per strategy.</summary>
    public int Rounds { get; init; } = 10;

    /// <summary>Rows labelled per query.</summary>
    public int QuerySize { get; init; } = 20;

    /// <summary>Rows labelled at random before the first query.</summary>
    public int InitialLabelled { get; init; } = 20;

    /// <summary>Training images used as the pool (the first ones of the training file).</summary>
    public int PoolSize { get; init; } = 3000;

    /// <summary>Test images evaluated each round (the first ones of the test file).</summary>
    public int TestSize { get; init; } = 1000;

    /// <summary>Training epochs of each fit.</summary>
    public int Epochs { get; init; } = 30;

    /// <summary>MC-Dropout passes of BALD-type strategies.</summary>
    public int McDropoutIterations { get; init; } = 10;

    /// <summary>TorchSharp threads (one is fastest for this small network on a busy 2-core machine).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Seed of the initial set, the network and the strategies.</summary>
    public int Seed { get; init; }

    /// <summary>Seeds per strategy: <see cref="Seed"/>, <see cref="Seed"/> + 1, ...</summary>
    public int Seeds { get; init; } = 1;

    /// <summary>How the initial labels are chosen: Random, TypiClust or ProbCover (<see cref="StrategyChoice.ColdStart"/>).</summary>
    public string InitialStrategy { get; init; } = "Random";

    /// <summary>The fewest optimizer steps of each fit (<c>TorchClassifierOptions.MinimumSteps</c>); null: the library's default.</summary>
    public int? MinimumSteps { get; init; }

    /// <summary>What TypiClust, ProbCover, CoreSet and the cold start measure distances on.</summary>
    public EmbeddingSource Embedding { get; init; } = EmbeddingSource.Network;

    /// <summary>The purity ProbCover chooses δ from, as a query strategy and as the cold start.</summary>
    public double ProbCoverPurity { get; init; } = StrategyChoice.DefaultProbCoverPurity;

    /// <summary>Principal components of <see cref="EmbeddingSource.Pca"/>.</summary>
    public int PcaRank { get; init; } = 32;

    /// <summary>The pool column <see cref="Embedding"/> reads (<c>ActiveLearningOptions.EmbeddingColumnName</c>); null: the network's penultimate layer.</summary>
    public string? EmbeddingColumnName { get; init; }

    /// <summary>Where the CSV, PNG, histories and the model go.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Also score the pool through ONNX Runtime (GPU where one exists) and compare with TorchSharp.</summary>
    public bool Onnx { get; init; }

    /// <summary>A person labels in a browser (<c>--web</c>, the first strategy only), with a checkpoint after every label.</summary>
    public bool Web { get; init; }

    /// <summary>What scores the pool in the queries (README, "Scoring engines").</summary>
    public InferenceEngine Engine { get; init; } = InferenceEngine.Auto;

    /// <summary>The folder with the four IDX files.</summary>
    public required string DataDirectory { get; init; }
}
