using Energizer.ML.Scoring;

namespace Energizer.ML.Orleans.Wire;

/// <summary>
/// A shard's best rows as they travel back: its top k ids and scores (or top M with flat
/// probabilities and embeddings for a joint pick), never a score per row.
/// </summary>
[GenerateSerializer]
[Alias("Energizer.ML.Orleans.ShardCandidates")]
internal sealed class ShardCandidates
{
    [Id(0)]
    public long[] RowIds { get; set; } = [];

    [Id(1)]
    public float[] Scores { get; set; } = [];

    /// <summary>M × T × C, candidate by candidate; null unless the strategy picks jointly.</summary>
    [Id(2)]
    public float[]? Probabilities { get; set; }

    /// <summary>M × D, candidate by candidate; null unless the strategy needs embeddings.</summary>
    [Id(3)]
    public float[]? Embeddings { get; set; }

    /// <summary>The labelled rows' embeddings in this shard, L × D.</summary>
    [Id(4)]
    public float[] LabelledEmbeddings { get; set; } = [];

    [Id(5)]
    public int EmbeddingSize { get; set; }

    [Id(6)]
    public int Iterations { get; set; }

    [Id(7)]
    public long Seen { get; set; }

    [Id(8)]
    public long Unlabelled { get; set; }

    /// <summary>Seconds the silo spent scoring the shard.</summary>
    [Id(9)]
    public double ScanSeconds { get; set; }

    /// <summary>The silo that scored it.</summary>
    [Id(10)]
    public string Silo { get; set; } = "";

    /// <summary>Packs <paramref name="candidates"/>, adding <paramref name="idOffset"/> to every row id.</summary>
    public static ShardCandidates Pack(SelectionCandidates candidates, long idOffset, string silo)
    {
        int size = candidates.Embeddings is { Count: > 0 } e ? e[0].Length : candidates.LabelledEmbeddings.Count > 0 ? candidates.LabelledEmbeddings[0].Length : 0;
        return new ShardCandidates
        {
            RowIds = [.. candidates.RowIds.Select(id => id + idOffset)],
            Scores = [.. candidates.Scores],
            Probabilities = candidates.Probabilities is { } p ? [.. p.SelectMany(x => x)] : null,
            Embeddings = candidates.Embeddings is { } em ? [.. em.SelectMany(x => x)] : null,
            LabelledEmbeddings = [.. candidates.LabelledEmbeddings.SelectMany(x => x)],
            EmbeddingSize = size,
            Iterations = candidates.Iterations,
            Seen = candidates.Seen,
            Unlabelled = candidates.Unlabelled,
            ScanSeconds = candidates.ScanSeconds,
            Silo = silo,
        };
    }

    /// <summary>The candidates as <see cref="TopKSelector.Merge"/> reads them.</summary>
    public SelectionCandidates Unpack()
    {
        int m = RowIds.Length;
        return new SelectionCandidates(RowIds, Scores, Split(Probabilities, m), Split(Embeddings, m),
            EmbeddingSize == 0 ? [] : Chunks(LabelledEmbeddings, EmbeddingSize), Seen, Unlabelled, Iterations)
        {
            ScanSeconds = ScanSeconds,
        };
    }

    private static float[][]? Split(float[]? flat, int rows)
    {
        if (flat is null) return null;
        if (rows == 0) return [];
        if (flat.Length % rows != 0) throw new InvalidDataException($"{flat.Length} values do not split into {rows} rows.");
        return Chunks(flat, flat.Length / rows);
    }

    private static float[][] Chunks(float[] flat, int size) => [.. flat.Chunk(size)];
}
