using System.CommandLine;

namespace Energizer.ML.Samples;

/// <summary>Command-line options the samples share.</summary>
public static class SampleOptions
{
    /// <summary>An integer option with a default and a lower bound (the error names the option).</summary>
    public static Option<int> Int(string name, string description, int defaultValue, int minimum)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < minimum) result.AddError($"{name} must be at least {minimum}.");
        });
        return option;
    }

    /// <summary>"--min-steps": the fewest optimizer steps of each fit (<c>TorchClassifierOptions.MinimumSteps</c>); absent keeps the library's default.</summary>
    public static Option<int?> MinimumSteps()
    {
        var option = new Option<int?>("--min-steps")
        {
            Description = "The fewest optimizer steps of each fit (TorchClassifierOptions.MinimumSteps; 0: none; default: the library's).",
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() < 0) result.AddError("--min-steps must be at least 0.");
        });
        return option;
    }

    /// <summary>"--initial-strategy": how the initial labels are chosen, one of <see cref="StrategyChoice.ColdStartNames"/> (default Random).</summary>
    public static Option<string> InitialStrategy()
    {
        var option = new Option<string>("--initial-strategy")
        {
            Description = $"How the initial labels are chosen before any model exists ({string.Join(", ", StrategyChoice.ColdStartNames)}; TypiClust and ProbCover read the --embedding column, the pixels for Network).",
            DefaultValueFactory = _ => "Random",
        };
        option.Validators.Add(result =>
        {
            string name = result.GetValueOrDefault<string>() ?? "";
            if (!StrategyChoice.ColdStartNames.Contains(name, StringComparer.OrdinalIgnoreCase))
                result.AddError($"Unknown --initial-strategy '{name}'. Valid: {string.Join(", ", StrategyChoice.ColdStartNames)}.");
        });
        return option;
    }

    /// <summary>"--embedding": what diversity strategies and the cold start measure distances on (<see cref="EmbeddingSource"/>, default Network).</summary>
    public static Option<EmbeddingSource> Embedding() => new("--embedding")
    {
        Description = "What TypiClust, ProbCover, CoreSet and the cold start measure distances on: Network (the penultimate layer; the cold start reads the pixels), "
            + "Pixels, or Pca (the pixels' first --pca-rank principal components, fitted on the pool without labels).",
        DefaultValueFactory = _ => EmbeddingSource.Network,
    };

    /// <summary>"--pca-rank": the principal components of "--embedding Pca".</summary>
    public static Option<int> PcaRank(int defaultRank) =>
        Int("--pca-rank", "Principal components of --embedding Pca.", defaultRank, minimum: 1);

    /// <summary>"--probcover-purity": the purity α ProbCover chooses its ball radius δ from (in (0, 1]).</summary>
    public static Option<double> ProbCoverPurity()
    {
        var option = new Option<double>("--probcover-purity")
        {
            Description = "ProbCover's δ is the largest radius whose purity (share of rows with no row of another k-means cluster closer) is at least this; "
                + $"lower gives larger balls (default {StrategyChoice.DefaultProbCoverPurity}, the library's; the paper's is 0.95).",
            DefaultValueFactory = _ => StrategyChoice.DefaultProbCoverPurity,
        };
        option.Validators.Add(result =>
        {
            double purity = result.GetValueOrDefault<double>();
            if (!(purity > 0 && purity <= 1)) result.AddError("--probcover-purity must be in (0, 1].");
        });
        return option;
    }

    /// <summary>"--seeds": how many seeds each strategy runs with (--seed, --seed + 1, ...).</summary>
    public static Option<int> Seeds() =>
        Int("--seeds", "Seeds per strategy (--seed, --seed + 1, ...); with more than one, a table gives mean ± sd over seeds.", 1, minimum: 1);

    /// <summary>"--strategies": a comma-separated list of <see cref="StrategyChoice"/> names; unknown names are an error listing the valid ones.</summary>
    public static Option<string> Strategies(string defaultList, string? note = null)
    {
        var option = new Option<string>("--strategies")
        {
            Description = $"Comma-separated strategies to compare ({string.Join(", ", StrategyChoice.All.Select(c => c.Name))}){note}.",
            DefaultValueFactory = _ => defaultList,
        };
        option.Validators.Add(result =>
        {
            if (!StrategyChoice.TryParseList(result.GetValueOrDefault<string>() ?? "", out _, out string message)) result.AddError(message);
        });
        return option;
    }
}
