using Energizer.ML.Acquisition;
using Energizer.ML.Inference;

namespace Energizer.ML.Samples;

/// <summary>A strategy the sample can run, with the inference mode it needs.</summary>
/// <param name="Name">The name used on the command line and in reports.</param>
/// <param name="Stochastic">True when the strategy needs MC-Dropout passes (BALD and relatives).</param>
/// <param name="Create">Builds the strategy from the run's seed.</param>
public sealed record StrategyChoice(string Name, bool Stochastic, Func<int, AcquisitionStrategy> Create)
{
    /// <summary>Every strategy the sample knows, in display order.</summary>
    public static IReadOnlyList<StrategyChoice> All { get; } =
    [
        new("Random", false, _ => AcquisitionStrategy.Random),
        new("Margin", false, _ => AcquisitionStrategy.Margin),
        new("Entropy", false, _ => AcquisitionStrategy.Entropy),
        new("LeastConfidence", false, _ => AcquisitionStrategy.LeastConfidence),
        new("BALD", true, _ => AcquisitionStrategy.Bald),
        new("BatchBALD", true, seed => AcquisitionStrategy.BatchBald(samples: 1000, seed)),
        new("PowerBALD", true, seed => AcquisitionStrategy.PowerBald(seed: seed)),
        new("TypiClust", false, seed => AcquisitionStrategy.TypiClust(seed)),
        ProbCover(DefaultProbCoverPurity),
    ];

    /// <summary>
    /// ProbCover's purity α when "--probcover-purity" is not given: the library's default, 0.75, not
    /// the paper's 0.95. On these pools of 900-3,000 rows the δ that keeps 95% of rows pure is below the
    /// median distance to the nearest row, so most balls hold only their centre; measured over 5 seeds,
    /// 0.75 turned ProbCover from level with Random into clearly above it (README, "Label efficiency: measurements").
    /// </summary>
    public const double DefaultProbCoverPurity = 0.75;

    /// <summary>ProbCover with δ chosen as the largest radius whose purity is at least <paramref name="purity"/>.</summary>
    public static StrategyChoice ProbCover(double purity) => new("ProbCover", false, seed => AcquisitionStrategy.ProbCover(purity: purity, seed: seed));

    /// <summary><paramref name="choices"/> with ProbCover, if listed, choosing δ from <paramref name="purity"/>.</summary>
    public static List<StrategyChoice> WithProbCoverPurity(IEnumerable<StrategyChoice> choices, double purity) =>
        [.. choices.Select(c => c.Name == "ProbCover" ? ProbCover(purity) : c)];

    /// <summary>The names "--initial-strategy" accepts: Random (a seeded draw) and the strategies that choose from embeddings alone.</summary>
    public static IReadOnlyList<string> ColdStartNames { get; } = ["Random", "TypiClust", "ProbCover"];

    /// <summary>
    /// The strategy that chooses the initial labels (<c>ActiveLearningOptions.InitialStrategy</c>) for a
    /// "--initial-strategy" name; null for Random. ProbCover gets the class count for its δ, since
    /// no model gives one before the first labels, and the purity δ is chosen from.
    /// </summary>
    public static AcquisitionStrategy? ColdStart(string name, int seed, int classes, double probCoverPurity = DefaultProbCoverPurity) => name.ToUpperInvariant() switch
    {
        "TYPICLUST" => AcquisitionStrategy.TypiClust(seed),
        "PROBCOVER" => AcquisitionStrategy.ProbCover(purity: probCoverPurity, clusters: classes, seed: seed),
        _ => null,
    };

    /// <summary>The default comparison.</summary>
    public const string DefaultList = "Random,Margin,Entropy,BALD,BatchBALD";

    /// <summary>The inference mode: MC-Dropout (consistent masks) for BALD-type strategies, else the network's own probabilities.</summary>
    public InferenceMode Inference(int mcDropoutIterations, int seed) =>
        Stochastic ? InferenceMode.McDropout(mcDropoutIterations, consistent: true, seed: seed) : InferenceMode.Deterministic;

    /// <summary>Parses a comma-separated list of names (case-insensitive); the error lists the valid names.</summary>
    public static bool TryParseList(string text, out List<StrategyChoice> choices, out string error)
    {
        choices = [];
        error = "";
        foreach (string name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var choice = All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
            if (choice is null)
            {
                error = $"Unknown strategy '{name}'. Valid strategies: {string.Join(", ", All.Select(c => c.Name))}.";
                return false;
            }
            if (!choices.Contains(choice)) choices.Add(choice);
        }
        if (choices.Count == 0)
        {
            error = $"No strategy given. Valid strategies: {string.Join(", ", All.Select(c => c.Name))}.";
            return false;
        }
        return true;
    }
}
