namespace Energizer.ML.Acquisition;

/// <summary>
/// What a strategy sees of N pool rows: their T×N×C class probabilities, their pool row ids and,
/// for diversity methods, an N×D embedding per row (row-major).
/// </summary>
public sealed class AcquisitionBatch
{
    /// <summary>Creates a batch; <paramref name="embeddings"/> is N×<paramref name="embeddingSize"/> or null.</summary>
    public AcquisitionBatch(ProbabilityTensor probabilities, long[] rowIds, float[]? embeddings = null, int embeddingSize = 0)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(rowIds);
        if (rowIds.Length != probabilities.Rows)
            throw new ArgumentException($"{rowIds.Length} row ids given for {probabilities.Rows} rows of probabilities.", nameof(rowIds));
        if (embeddings is not null)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(embeddingSize, 1);
            if ((long)embeddingSize * rowIds.Length != embeddings.Length)
                throw new ArgumentException(
                    $"Embeddings hold {embeddings.Length} values; {rowIds.Length} rows × {embeddingSize} dimensions expected.", nameof(embeddings));
        }
        Probabilities = probabilities;
        RowIds = rowIds;
        Embeddings = embeddings;
        EmbeddingSize = embeddings is null ? 0 : embeddingSize;
    }

    /// <summary>T×N×C class probabilities.</summary>
    public ProbabilityTensor Probabilities { get; }

    /// <summary>Pool row id of each of the N rows.</summary>
    public long[] RowIds { get; }

    /// <summary>N×D embeddings, row-major, or null when none were computed.</summary>
    public float[]? Embeddings { get; }

    /// <summary>D, the embedding width (0 without embeddings).</summary>
    public int EmbeddingSize { get; }

    /// <summary>N, the number of rows.</summary>
    public int Count => RowIds.Length;

    /// <summary>The embedding of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> EmbeddingOf(int row) =>
        Embeddings is null
            ? throw new InvalidOperationException("This batch carries no embeddings.")
            : Embeddings.AsSpan(row * EmbeddingSize, EmbeddingSize);
}
