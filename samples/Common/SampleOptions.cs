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
