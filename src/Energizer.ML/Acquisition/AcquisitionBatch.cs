using Energizer.ML.Numerics;

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

    /// <summary>
    /// A new batch of the rows at <paramref name="positions"/> (in that order), with their
    /// probabilities, row ids and embeddings copied.
    /// </summary>
    public AcquisitionBatch Subset(IReadOnlyList<int> positions)
    {
        ArgumentNullException.ThrowIfNull(positions);
        var source = Probabilities;
        int iterations = source.Iterations, classes = source.Classes, rows = positions.Count;
        var values = new float[iterations * rows * classes];
        var ids = new long[rows];
        var embeddings = Embeddings is null ? null : new float[rows * EmbeddingSize];
        for (int i = 0; i < rows; i++)
        {
            int n = positions[i];
            ArgumentOutOfRangeException.ThrowIfNegative(n, nameof(positions));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(n, Count, nameof(positions));
            ids[i] = RowIds[n];
            for (int t = 0; t < iterations; t++) source[t, n].CopyTo(values.AsSpan(((t * rows) + i) * classes, classes));
            if (embeddings is not null) EmbeddingOf(n).CopyTo(embeddings.AsSpan(i * EmbeddingSize, EmbeddingSize));
        }
        return new AcquisitionBatch(new ProbabilityTensor(values, iterations, rows, classes), ids, embeddings, EmbeddingSize);
    }
}
