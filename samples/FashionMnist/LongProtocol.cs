namespace FashionMnistSample;

/// <summary>The long protocol of <c>--long</c>: 50 initial labels and 19 queries of 50, up to 1,000 labels.</summary>
public static class LongProtocol
{
    /// <summary>Images labelled before the first query.</summary>
    public const int InitialLabelled = 50;

    /// <summary>Images labelled per query.</summary>
    public const int QuerySize = 50;

    /// <summary>Queries: 50 + 19 × 50 = 1,000 labels.</summary>
    public const int Rounds = 19;
}
