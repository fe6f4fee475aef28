using Energizer.ML.Acquisition;

namespace Energizer.ML.Scoring;

/// <summary>Options of <see cref="TopKSelector"/> (the catalog's <c>SelectTopK</c>).</summary>
public sealed class SelectionOptions
{
    /// <summary>The score column; higher is better. Default "Acquisition".</summary>
    public string ScoreColumnName { get; set; } = "Acquisition";

    /// <summary>The id column (integer). Null: the scorer's "RowId" column when present, else the row's position.</summary>
    public string? IdColumnName { get; set; }

    /// <summary>Ids of rows already labelled: never selected.</summary>
    public IReadOnlySet<long>? Labelled { get; set; }

    /// <summary>
    /// Ids of unlabelled rows never to select (rows an oracle skipped). Unlike <see cref="Labelled"/>
    /// rows, they are no centres for diversity strategies: nothing is known about them.
    /// </summary>
    public IReadOnlySet<long>? Excluded { get; set; }

    /// <summary>Cursors scored in parallel (one thread each); 1 = sequential. Selections are identical either way.</summary>
    public int Partitions { get; set; } = 1;

    /// <summary>
    /// A batch-aware strategy to pick the final k from the top <see cref="CandidateCount"/> rows.
    /// Null: the scorer's strategy when <c>scored</c> comes straight from an acquisition scorer.
    /// </summary>
    public AcquisitionStrategy? Strategy { get; set; }

    /// <summary>
    /// M, the candidates a batch-aware strategy chooses among (the streaming pre-filter keeps the
    /// top M by the scorer's column). Null: 10·k. Larger M lets the joint pick see more of the pool
    /// at a cost linear in M (BatchBALD, BADGE) and memory of M rows' probabilities and embeddings.
    /// </summary>
    public int? CandidateCount { get; set; }
}
