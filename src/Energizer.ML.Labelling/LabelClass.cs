namespace Energizer.ML.Labelling;

/// <summary>One answer a person can give on the labelling page.</summary>
/// <param name="Value">The label handed to the loop, as a person would type it at the console oracle (read as the label column's type: "3" for a number or key column, "positive" for text).</param>
/// <param name="DisplayName">The button's text; the value when null.</param>
public sealed record LabelClass(string Value, string? DisplayName = null)
{
    /// <summary>The button's text.</summary>
    public string Name => DisplayName ?? Value;
}
