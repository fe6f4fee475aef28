using Energizer.ML.Orleans.Shards;

namespace Energizer.ML.Orleans.Wire;

/// <summary>What one shard grain is asked in a round: which model (by hash), which shard, how to score and what to keep.</summary>
[GenerateSerializer]
[Alias("Energizer.ML.Orleans.ShardScoringCall")]
internal sealed class ShardScoringCall
{
    /// <summary>
    /// The same for every try of one shard in one round: a try sent again after a timeout, while
    /// the first is still queued or running on a live silo, gets the first one's answer instead of
    /// scoring the shard a second time.
    /// </summary>
    [Id(11)]
    public string CallId { get; set; } = "";

    /// <summary>The SHA-256 of the model's bytes; silos fetch the bytes once per hash.</summary>
    [Id(0)]
    public string ModelHash { get; set; } = "";

    [Id(1)]
    public ShardSource Shard { get; set; } = null!;

    /// <summary>The global id of the shard's first row.</summary>
    [Id(2)]
    public long FirstRow { get; set; }

    /// <summary>The rows the client counted in the shard.</summary>
    [Id(3)]
    public long Rows { get; set; }

    /// <summary>The pool's columns, as text: a shard with others fails, naming itself.</summary>
    [Id(4)]
    public string SchemaSignature { get; set; } = "";

    [Id(5)]
    public ScoringRecipe Recipe { get; set; } = new();

    [Id(6)]
    public int K { get; set; }

    [Id(7)]
    public int Partitions { get; set; } = 1;

    [Id(8)]
    public int? CandidateCount { get; set; }

    /// <summary>Labelled ids in this shard (shard positions when ids are positions).</summary>
    [Id(9)]
    public long[] Labelled { get; set; } = [];

    /// <summary>Excluded ids in this shard (shard positions when ids are positions).</summary>
    [Id(10)]
    public long[] Excluded { get; set; } = [];
}
