using Microsoft.ML;

namespace Energizer.ML.Samples;

/// <summary>Gives a sample's pool the embedding column that "--embedding" asks for (<c>ActiveLearningOptions.EmbeddingColumnName</c>).</summary>
public static class PoolEmbedding
{
    /// <summary>The column <see cref="EmbeddingSource.Pca"/> adds to the pool.</summary>
    public const string PcaColumnName = "PcaEmbedding";

    /// <summary>
    /// The pool with the embedding column of <paramref name="source"/>, and that column's name (null
    /// for <see cref="EmbeddingSource.Network"/>: the network's penultimate layer). The principal
    /// components are fitted on every pool row and use no label, so they are fixed for the whole run
    /// and the learner, which reads <paramref name="featureColumnName"/>, never sees them.
    /// </summary>
    public static (IDataView Pool, string? ColumnName) Add(MLContext mlContext, IDataView pool, string featureColumnName, EmbeddingSource source, int pcaRank, int seed)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return source switch
        {
            EmbeddingSource.Network => (pool, null),
            EmbeddingSource.Pixels => (pool, featureColumnName),
            EmbeddingSource.Pca => (mlContext.Transforms.ProjectToPrincipalComponents(PcaColumnName, featureColumnName, rank: pcaRank, seed: seed)
                .Fit(pool).Transform(pool), PcaColumnName),
            _ => throw new ArgumentOutOfRangeException(nameof(source), source, "Unknown embedding source."),
        };
    }

    /// <summary>The source as reports name it: "Network", "Pixels" or "Pca(rank)".</summary>
    public static string Describe(EmbeddingSource source, int pcaRank) =>
        source == EmbeddingSource.Pca ? $"Pca({pcaRank})" : source.ToString();
}
