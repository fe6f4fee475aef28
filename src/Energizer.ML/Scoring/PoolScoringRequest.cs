using Microsoft.ML;

namespace Energizer.ML.Scoring;

/// <summary>What the loop asks an <see cref="IPoolScorer"/> for in one round.</summary>
public sealed class PoolScoringRequest
{
    /// <summary>Pairs a fitted model with the pool, the scorer's options and the selection's.</summary>
    /// <param name="model">The round's fitted model (the featurizer, if any, then the learner).</param>
    /// <param name="pool">The pool as the model scores it (with a label column of missing values when the pool has none).</param>
    /// <param name="scorer">Strategy (already seeded for the run), inference mode, batch size and column names.</param>
    /// <param name="k">Rows to select.</param>
    /// <param name="selection">Labelled and excluded row ids, partitions, candidate count, id column.</param>
    public PoolScoringRequest(ITransformer model, IDataView pool, AcquisitionScorerOptions scorer, int k, SelectionOptions selection)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Pool = pool ?? throw new ArgumentNullException(nameof(pool));
        Scorer = scorer ?? throw new ArgumentNullException(nameof(scorer));
        if (scorer.Strategy is null) throw new ArgumentException("AcquisitionScorerOptions.Strategy must be set.", nameof(scorer));
        Selection = selection ?? throw new ArgumentNullException(nameof(selection));
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        K = k;
    }

    /// <summary>The round's fitted model.</summary>
    public ITransformer Model { get; }

    /// <summary>The pool as the model scores it.</summary>
    public IDataView Pool { get; }

    /// <summary>The scorer's options: strategy, inference mode, batch size, column names.</summary>
    public AcquisitionScorerOptions Scorer { get; }

    /// <summary>Rows to select.</summary>
    public int K { get; }

    /// <summary>The selection's options: labelled and excluded ids, partitions, candidate count.</summary>
    public SelectionOptions Selection { get; }
}
