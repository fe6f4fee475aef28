namespace ReviewsSample;

/// <summary>One fine-food review: its label, the product it is about and its text.</summary>
public sealed class Review
{
    /// <summary><c>great</c> (5 stars) or <c>other</c>.</summary>
    public string Label { get; set; } = "";

    /// <summary>The product's Amazon id (not used by the learner).</summary>
    public string Product { get; set; } = "";

    /// <summary>The review, with HTML line breaks (<c>&lt;br /&gt;</c>) turned into spaces.</summary>
    public string Text { get; set; } = "";
}
