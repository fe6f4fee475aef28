namespace Energizer.ML.Samples;

/// <summary>
/// What the diversity strategies (TypiClust, ProbCover, CoreSet) and the cold start measure distances
/// on ("--embedding"): the representation a low-budget strategy clusters decides what it can find.
/// </summary>
public enum EmbeddingSource
{
    /// <summary>The fitted network's penultimate layer (the cold start, before any network exists, reads the pixels).</summary>
    Network,

    /// <summary>The pool's normalised pixels, the learner's own feature column.</summary>
    Pixels,

    /// <summary>The pixels projected on their first principal components, fitted on the pool without labels.</summary>
    Pca,
}
