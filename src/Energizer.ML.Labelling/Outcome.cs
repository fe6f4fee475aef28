namespace Energizer.ML.Labelling;

/// <summary>The answer to a page's POST: the HTTP status and a message the page shows.</summary>
internal sealed record Outcome(int Status, string Message, long? RowId)
{
    public static Outcome Saved(string message, long rowId) => new(200, message, rowId);

    public static Outcome BadRequest(string message) => new(400, message, null);

    public static Outcome Conflict(string message) => new(409, message, null);
}
