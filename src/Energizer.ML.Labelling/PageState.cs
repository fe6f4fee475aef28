using Energizer.ML.Loop;

namespace Energizer.ML.Labelling;

/// <summary>What one page shows: its item (when it holds one), progress and the curve so far.</summary>
/// <param name="Kind">One of <see cref="Labelling"/>, <see cref="Waiting"/>, <see cref="Training"/>, <see cref="Finished"/>.</param>
/// <param name="Message">Why the run stopped, when it has.</param>
/// <param name="Item">The row this page holds.</param>
/// <param name="UndoRowId">The page's last answer in the open query (undo takes it back).</param>
/// <param name="TrainingSeconds">Seconds since the last query closed (while training).</param>
/// <param name="Progress">Round, labels, budget and items left.</param>
/// <param name="Reports">The rounds' reports so far, by round.</param>
internal sealed record PageState(string Kind, string? Message, QueryItem? Item, long? UndoRowId, double TrainingSeconds, PageState.Counts Progress, IReadOnlyList<RoundReport> Reports)
{
    public const string Labelling = "labelling";
    public const string Waiting = "waiting";
    public const string Training = "training";
    public const string Finished = "finished";

    /// <summary>Progress figures.</summary>
    public sealed record Counts(int Round, int Labelled, int? Budget, int Left, int QuerySize);
}
