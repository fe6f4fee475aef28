namespace Energizer.ML.Acquisition;

/// <summary>
/// Scores pool rows by how much their label is worth: a higher score means more worth labelling.
/// Strategies are pure functions of the probabilities (and embeddings); they keep no state
/// between calls, so one instance can score many batches, in parallel.
/// </summary>
/// <remarks>
/// Pointwise strategies score each row on its own, so a pool is scored batch by batch and only a
/// running top-k is kept. Batch-aware strategies (<see cref="IsBatchAware"/>: BatchBALD, CoreSet,
/// BADGE, pre-filters) pick k rows jointly: the scorer first keeps the top M candidates by
/// <see cref="Score"/> (their pre-filter score), then calls <see cref="Select"/> on those M.
/// All information quantities are in nats, with 0·log 0 = 0, computed in double and written as float.
/// </remarks>
public abstract class AcquisitionStrategy
{
    /// <summary>The message part that tells a user how to give a diversity strategy its embeddings.</summary>
    private const string HowToGetEmbeddings =
        "use a TorchClassifier (its penultimate layer is the embedding) or name an embedding column";

    /// <summary>A short name for reports and plots, e.g. "Entropy" or "BALD".</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Every parameter that changes this strategy's scores or picks, as canonical text (e.g.
    /// "Random(seed=1)"): two strategies with equal fingerprints select the same rows, so a
    /// checkpoint is resumed only by a run whose strategy has its fingerprint. The default is
    /// <see cref="Name"/>; strategies with parameters override it.
    /// </summary>
    public virtual string Fingerprint => Name;

    /// <summary>True when <see cref="Select"/> picks rows jointly rather than by the top scores.</summary>
    public virtual bool IsBatchAware => false;

    /// <summary>True when the batch must carry embeddings (diversity methods).</summary>
    public virtual bool NeedsEmbeddings => false;

    /// <summary>
    /// True when <see cref="Select"/> must see every unlabelled row, not the top M by
    /// <see cref="Score"/> (TypiClust, ProbCover: they cluster or cover the pool): selection then
    /// keeps every unlabelled row as a candidate, whatever the candidate count, so its memory is
    /// O(pool rows · (T·C + D)).
    /// </summary>
    public virtual bool PicksFromWholePool => false;

    /// <summary>
    /// False when <see cref="Score"/> reads only the row ids (Random): the scorer then runs no
    /// inference and hands it a batch whose probabilities say one certain class per row (T = 1, C = 1).
    /// </summary>
    public virtual bool NeedsPredictions => true;

    /// <summary>
    /// True when the score is only meaningful with several probability vectors per row (T &gt; 1:
    /// MC-Dropout passes or ensemble members), as for BALD, whose score is 0 for every row with one
    /// pass. Scoring refuses such a strategy with a single-pass inference mode.
    /// </summary>
    public virtual bool NeedsSeveralPasses => false;

    /// <summary>This strategy as a run seeded with <paramref name="runSeed"/> uses it: unseeded parts take that seed.</summary>
    internal virtual AcquisitionStrategy ForRun(int runSeed) => this;

    /// <summary>
    /// Writes one score per row of <paramref name="batch"/> into <paramref name="scores"/>
    /// (for batch-aware strategies: the pre-filter score).
    /// </summary>
    public abstract void Score(AcquisitionBatch batch, Span<float> scores);

    /// <summary>
    /// The interval every <see cref="Score"/> of this strategy lies in, for rows of <paramref name="classes"/>
    /// classes over <paramref name="iterations"/> passes, or null when its scores have no fixed bounds (the default).
    /// <see cref="Combine"/> scales each part by it, the same way for every batch.
    /// </summary>
    /// <param name="classes">C, the number of classes.</param>
    /// <param name="iterations">T, the number of passes.</param>
    public virtual (double Min, double Max)? ScoreRange(int classes, int iterations) => null;

    /// <summary>
    /// Picks <paramref name="k"/> of the candidate rows, best first, returned as positions in
    /// <paramref name="candidates"/>. The default takes the top <paramref name="k"/> scores,
    /// ties broken by the lower row id.
    /// </summary>
    /// <param name="candidates">The rows to choose from.</param>
    /// <param name="k">How many to pick; 1 ≤ k ≤ candidates.Count.</param>
    /// <param name="labelledEmbeddings">Embeddings of rows already labelled (row-major, same width as the
    /// candidates'), used by diversity methods as existing centres; null when none.</param>
    public virtual int[] Select(AcquisitionBatch candidates, int k, ReadOnlyMemory<float>? labelledEmbeddings = null)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        CheckK(k, candidates.Count);
        var scores = new float[candidates.Count];
        Score(candidates, scores);
        return TopK(scores, candidates.RowIds, k);
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    // ---- Built-in strategies -------------------------------------------------------------

    /// <summary>
    /// Uniform random sampling: each row's score is a uniform value in [0, 1) hashed from
    /// (<paramref name="seed"/>, row id), so the top k is a seeded sample without replacement that
    /// does not depend on how the pool is split into batches.
    /// </summary>
    /// <param name="seed">The seed; the same seed picks the same rows.</param>
    public static RandomStrategy SeededRandom(int seed) => new(seed);

    /// <summary>
    /// Uniform random sampling seeded by the active-learning loop's <c>Seed</c> (0 outside a
    /// loop), so runs with different seeds draw different rows; <see cref="SeededRandom"/> fixes
    /// the seed instead.
    /// </summary>
    public static RandomStrategy Random { get; } = new(null);

    /// <summary>Predictive entropy H[mean p]: the entropy of the mean over the T passes.</summary>
    public static EntropyStrategy Entropy { get; } = new();

    /// <summary>Expected entropy: the mean over the T passes of each pass's entropy.</summary>
    public static ExpectedEntropyStrategy ExpectedEntropy { get; } = new();

    /// <summary>Least confidence: 1 − the largest mean class probability.</summary>
    public static LeastConfidenceStrategy LeastConfidence { get; } = new();

    /// <summary>Margin: 1 − (p₁ − p₂) of the two largest mean class probabilities (higher = closer call).</summary>
    public static MarginStrategy Margin { get; } = new();

    /// <summary>Variation ratios: 1 − the share of passes that vote for the modal class.</summary>
    public static VariationRatiosStrategy VariationRatios { get; } = new();

    /// <summary>Mean standard deviation: the mean over classes of the (population) std over the T passes.</summary>
    public static MeanStdStrategy MeanStd { get; } = new();

    /// <summary>BALD: the mutual information H[mean p] − mean H[p] between the label and the model parameters.</summary>
    public static BaldStrategy Bald { get; } = new();

    /// <summary>Vote entropy (query by committee): the entropy of the distribution of the T members' argmax votes.</summary>
    public static VoteEntropyStrategy VoteEntropy { get; } = new();

    /// <summary>Query by committee: the mean over the T members of KL(p_member ‖ mean p).</summary>
    public static KlToConsensusStrategy KlToConsensus { get; } = new();

    /// <summary>
    /// Stochastic batch acquisition (Kirsch et al. 2021): the top k of a base score perturbed by
    /// seeded Gumbel noise, which samples k rows without replacement ∝ score^β (power),
    /// ∝ exp(β·score) (softmax) or ∝ rank^−β (softrank).
    /// </summary>
    /// <param name="beta">The coldness β ≥ 0: 0 samples uniformly, a large β approaches the plain top k.</param>
    /// <param name="mode">How the score becomes a sampling weight.</param>
    /// <param name="seed">The seed of the noise; the noise of a row depends on (seed, row id) only.</param>
    /// <param name="baseStrategy">The score to perturb; BALD when null.</param>
    public static PowerBaldStrategy PowerBald(double beta = 1, PowerBaldMode mode = PowerBaldMode.Power, int seed = 0, AcquisitionStrategy? baseStrategy = null) =>
        new(beta, mode, seed, baseStrategy ?? Bald);

    /// <summary>
    /// BatchBALD (Kirsch et al. 2019): picks k rows greedily by the joint mutual information
    /// I(y₁..y_k; ω), exactly while the class configurations of the picked rows number at most
    /// <paramref name="samples"/>, and estimated from <paramref name="samples"/> sampled configurations beyond.
    /// </summary>
    /// <param name="samples">The number of sampled configurations, and the exact-enumeration limit.</param>
    /// <param name="seed">The seed of the sampled configurations.</param>
    public static BatchBaldStrategy BatchBald(int samples = 1000, int seed = 0) => new(samples, seed);

    /// <summary>Core-set (Sener and Savarese 2018): k-center greedy on the embeddings.</summary>
    public static CoreSetStrategy CoreSet { get; } = new();

    /// <summary>BADGE (Ash et al. 2020): k-means++ seeding on gradient embeddings.</summary>
    /// <param name="seed">The seed of the k-means++ draws.</param>
    public static BadgeStrategy Badge(int seed = 0) => new(seed);

    /// <summary>
    /// TypiClust (Hacohen et al. 2022), for the first labels: k-means on the embeddings of the
    /// labelled and unlabelled rows into labelled + k clusters, then the most typical row (the
    /// highest inverse mean distance to its nearest neighbours) of each of the largest clusters
    /// without a labelled row.
    /// </summary>
    /// <param name="seed">The seed of k-means; null takes the loop's <c>Seed</c>.</param>
    /// <param name="neighbours">The nearest neighbours of the typicality (the paper's 20).</param>
    /// <param name="maxClusters">The most clusters (the paper's 500).</param>
    /// <param name="minClusterSize">Clusters with fewer rows are picked from last (the paper drops those under 5).</param>
    public static TypiClustStrategy TypiClust(int? seed = null, int neighbours = 20, int maxClusters = 500, int minClusterSize = 5) =>
        new(seed, neighbours, maxClusters, minClusterSize);

    /// <summary>
    /// ProbCover (Yehuda et al. 2022), for the first labels: greedy maximum coverage of δ-balls
    /// around the picked and labelled rows in embedding space.
    /// </summary>
    /// <param name="delta">The ball radius; null chooses the largest δ whose k-means cluster purity is at least <paramref name="purity"/>.</param>
    /// <param name="purity">The share of rows whose δ-ball must hold one cluster. The paper's 0.95 was
    /// chosen on self-supervised features; on a ConvNet's or PCA embeddings it left most balls holding
    /// only their centre and ProbCover below Random, so the default is 0.75 (README, "Label efficiency: measurements").</param>
    /// <param name="clusters">The k-means clusters for purity; null takes the class count.</param>
    /// <param name="seed">The seed of k-means and of the picks once all rows are covered; null takes the loop's <c>Seed</c>.</param>
    public static ProbCoverStrategy ProbCover(double? delta = null, double purity = 0.75, int? clusters = null, int? seed = null) =>
        new(delta, purity, clusters, seed);

    /// <summary>
    /// A weighted sum of normalised scores: each part's score is scaled to [0, 1] by its fixed
    /// <see cref="ScoreRange"/> (1 = the most a row can score in that part), then summed with the weights.
    /// </summary>
    /// <param name="parts">The strategies and their weights.</param>
    public static CombinedStrategy Combine(params (AcquisitionStrategy Strategy, double Weight)[] parts) => new(parts);

    /// <summary>
    /// Two-stage selection: the top <paramref name="m"/> candidates by <paramref name="first"/>,
    /// then <paramref name="diversity"/> picks k among them.
    /// </summary>
    /// <param name="first">The strategy that shortlists (usually an uncertainty score).</param>
    /// <param name="m">The shortlist size.</param>
    /// <param name="diversity">The strategy that picks among the shortlist (usually CoreSet or BADGE).</param>
    public static PreFilterStrategy PreFilter(AcquisitionStrategy first, int m, AcquisitionStrategy diversity) => new(first, m, diversity);

    // ---- Helpers for subclasses ----------------------------------------------------------

    /// <summary>Throws when <paramref name="k"/> is not in [1, <paramref name="candidates"/>].</summary>
    protected static void CheckK(int k, int candidates)
    {
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        if (k > candidates)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k = {k} is larger than the {candidates} candidate rows.");
    }

    /// <summary>
    /// Validates the probabilities of <paramref name="batch"/> (finite, non-negative, summing to 1);
    /// the exception names the row id of the first bad row.
    /// </summary>
    protected static void CheckBatch(AcquisitionBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        batch.Probabilities.Validate(rowIds: batch.RowIds);
    }

    /// <summary>Like <see cref="CheckBatch(AcquisitionBatch)"/>, and checks there is one score slot per row.</summary>
    protected static void CheckBatch(AcquisitionBatch batch, Span<float> scores)
    {
        CheckBatch(batch);
        if (scores.Length != batch.Count)
            throw new ArgumentException($"{scores.Length} score slots given for {batch.Count} rows.", nameof(scores));
    }

    /// <summary>Throws, naming this strategy and how to get embeddings, when <paramref name="batch"/> carries none.</summary>
    protected void RequireEmbeddings(AcquisitionBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Embeddings is null)
            throw new ArgumentException($"{Name} needs an embedding per row, but the batch carries none: {HowToGetEmbeddings}.", nameof(batch));
    }

    /// <summary>
    /// Checks that <paramref name="labelledEmbeddings"/> holds whole rows of the candidates' width
    /// <paramref name="embeddingSize"/>, and returns how many rows it holds (0 when null).
    /// </summary>
    protected static int CountLabelledRows(ReadOnlyMemory<float>? labelledEmbeddings, int embeddingSize)
    {
        if (labelledEmbeddings is not { } labelled) return 0;
        if (embeddingSize <= 0 || labelled.Length % embeddingSize != 0)
            throw new ArgumentException(
                $"Labelled embeddings hold {labelled.Length} values, not a whole number of rows of the candidates' embedding width {embeddingSize}.",
                nameof(labelledEmbeddings));
        return labelled.Length / embeddingSize;
    }

    /// <summary>Positions of the <paramref name="k"/> highest scores, best first, ties broken by the lower row id.</summary>
    protected static int[] TopK(ReadOnlySpan<float> scores, IReadOnlyList<long> rowIds, int k)
    {
        ArgumentNullException.ThrowIfNull(rowIds);
        var order = OrderByScore(scores, rowIds);
        return order[..k];
    }

    /// <summary>All positions ordered by descending score, ties broken by the lower row id.</summary>
    private protected static int[] OrderByScore(ReadOnlySpan<float> scores, IReadOnlyList<long> rowIds)
    {
        var copy = scores.ToArray();
        var order = Enumerable.Range(0, copy.Length).ToArray();
        Array.Sort(order, (a, b) =>
        {
            int byScore = copy[b].CompareTo(copy[a]);
            return byScore != 0 ? byScore : rowIds[a].CompareTo(rowIds[b]);
        });
        return order;
    }
}
