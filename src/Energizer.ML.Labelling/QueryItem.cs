namespace Energizer.ML.Labelling;

/// <summary>A queried row as the page shows it: the renderer's HTML, the other columns as text, and the model's guess.</summary>
internal sealed record QueryItem(long RowId, string Html, IReadOnlyList<QueryItem.Field> Fields, QueryItem.ModelGuess? Guess)
{
    /// <summary>A column listed below the item.</summary>
    public sealed record Field(string Name, string Value);

    /// <summary>The class the round's model predicts, and its probability.</summary>
    public sealed record ModelGuess(string Value, string Name, double Probability);
}
