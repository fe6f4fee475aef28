using Energizer.ML.Acquisition;
using Energizer.ML.Numerics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Scoring;

/// <summary>
/// Streaming top-k over a scored pool: a bounded heap keeps the best k rows seen so far, so
/// memory is O(k) whatever the pool size. Ties go to the lower row id, so results are
/// reproducible; labelled rows are skipped. With a batch-aware strategy the heap keeps the top
/// M candidates (with their probabilities and embeddings) and the strategy picks k of them.
/// </summary>
public static class TopKSelector
{
    /// <summary>
    /// Selects the best <paramref name="k"/> unlabelled rows of a scoring session's pool; a
    /// batch-aware strategy of the session (or <see cref="SelectionOptions.Strategy"/>) picks them jointly.
    /// </summary>
    public static Selection Select(ScoringSession session, int k, SelectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        return Select(session.Scored, k, options, session.Strategy);
    }

    /// <summary>
    /// Selects the best <paramref name="k"/> unlabelled rows of <paramref name="scored"/>. The
    /// scorer's own output carries its strategy; a view that wraps it (a cache, another
    /// transform) does not, so a batch-aware strategy must then be named in
    /// <see cref="SelectionOptions.Strategy"/>, or the selection is refused.
    /// </summary>
    public static Selection Select(IDataView scored, int k, SelectionOptions? options = null) =>
        Select(scored, k, options, (scored as ScoredPoolView)?.Strategy);

    /// <summary>
    /// The first half of <see cref="Select(ScoringSession, int, SelectionOptions?)"/>: streams the
    /// session's pool once and keeps its best <paramref name="k"/> unlabelled rows (for a batch-aware
    /// strategy its best M, <see cref="SelectionOptions.CandidateCount"/>, with what the joint pick
    /// reads), without picking. A machine that scores one shard of a pool sends these to the one
    /// that merges (<see cref="Merge"/>), so the merged selection is the single-process one.
    /// </summary>
    public static SelectionCandidates Candidates(ScoringSession session, int k, SelectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        options ??= new SelectionOptions();
        return Gather(session.Scored, k, options, StrategyOf(session.Scored, options, session.Strategy));
    }

    /// <summary>
    /// The second half of <see cref="Select(ScoringSession, int, SelectionOptions?)"/>: merges the
    /// best rows of the pool's parts (<see cref="Candidates"/>) by score, ties to the lower row id,
    /// and, for a batch-aware <paramref name="strategy"/>, picks <paramref name="k"/> of the best M jointly.
    /// </summary>
    /// <param name="parts">Each part's candidates; row ids must be unique across parts.</param>
    /// <param name="k">Rows to select.</param>
    /// <param name="options">The options the parts were gathered with (<see cref="SelectionOptions.CandidateCount"/> is read).</param>
    /// <param name="strategy">The scorer's strategy: a batch-aware one picks jointly; null or any other keeps the plain top k.</param>
    public static Selection Merge(IReadOnlyList<SelectionCandidates> parts, int k, SelectionOptions? options, AcquisitionStrategy? strategy)
    {
        ArgumentNullException.ThrowIfNull(parts);
        options ??= new SelectionOptions();
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        bool joint = strategy is { IsBatchAware: true };
        int keep = KeptCount(k, options, joint ? strategy : null);
        long seen = parts.Sum(p => p.Seen);
        if (seen == 0) throw new ArgumentException("The pool is empty: there are no rows to select from.", nameof(parts));
        long unlabelled = parts.Sum(p => p.Unlabelled);
        double scanSeconds = parts.Count == 0 ? 0 : parts.Max(p => p.ScanSeconds);
        var best = BestOf(parts.Select(Unpack), keep);
        if (best.Count == 0) return new Selection([], [], k, 0) { ScanSeconds = scanSeconds };
        if (!joint)
            return new Selection([.. best.Select(c => c.Id)], [.. best.Select(c => c.Score)], k, unlabelled) { ScanSeconds = scanSeconds };

        var pick = System.Diagnostics.Stopwatch.StartNew();
        int iterations = parts.First(p => p.RowIds.Count > 0).Iterations;
        if (best.Any(c => c.Probabilities is null))
            throw new ArgumentException($"Strategy {strategy!.Name} picks rows jointly, and a part's candidates carry no probabilities.", nameof(parts));
        if (strategy!.NeedsEmbeddings && best.Any(c => c.Embedding is null))
            throw new ArgumentException($"Strategy {strategy.Name} needs row embeddings, and a part's candidates carry none.", nameof(parts));
        var candidates = Batch(best, iterations);
        var labelled = strategy.NeedsEmbeddings ? parts.SelectMany(p => p.LabelledEmbeddings).SelectMany(e => e).ToArray() : null;
        int[] picked = strategy.Select(candidates, Math.Min(k, best.Count), labelled);
        return new Selection([.. picked.Select(i => best[i].Id)], [.. picked.Select(i => best[i].Score)], k, unlabelled)
        {
            ScanSeconds = scanSeconds,
            PickSeconds = pick.Elapsed.TotalSeconds,
        };
    }

    private static Selection Select(IDataView scored, int k, SelectionOptions? options, AcquisitionStrategy? scorerStrategy)
    {
        ArgumentNullException.ThrowIfNull(scored);
        options ??= new SelectionOptions();
        var strategy = StrategyOf(scored, options, scorerStrategy);
        return Merge([Gather(scored, k, options, strategy)], k, options, strategy);
    }

    /// <summary>The strategy that picks: the options', else the scorer's; refuses a batch-aware column whose strategy is lost.</summary>
    private static AcquisitionStrategy? StrategyOf(IDataView scored, SelectionOptions options, AcquisitionStrategy? scorerStrategy)
    {
        var strategy = options.Strategy ?? scorerStrategy;
        if (strategy is null && scored.Schema.GetColumnOrNull(options.ScoreColumnName) is { } column && ScoredColumns.BatchAwareStrategyOf(column) is { } name)
            throw new ArgumentException(
                $"Column '{column.Name}' holds the pre-filter score of {name}, which picks rows jointly, but this view is not the scorer's own output "
                + "(it was cached or transformed), so the strategy cannot be found and a plain top-k would not be its pick: "
                + "select from the scoring session (SelectTopK(session, k)) or set SelectionOptions.Strategy.", nameof(scored));
        return strategy;
    }

    /// <summary>How many of the best rows to keep: k, or the M candidates of a joint pick (every row when the strategy picks from the whole pool).</summary>
    private static int KeptCount(int k, SelectionOptions options, AcquisitionStrategy? joint) =>
        joint is null ? k : joint.PicksFromWholePool ? int.MaxValue : Math.Max(k, options.CandidateCount ?? checked(10 * k));

    private static SelectionCandidates Gather(IDataView scored, int k, SelectionOptions options, AcquisitionStrategy? strategy)
    {
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        if (options.Partitions <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.Partitions, "SelectionOptions.Partitions must be at least 1.");
        bool joint = strategy is { IsBatchAware: true };
        var plan = new Plan(scored.Schema, options, joint ? strategy : null);
        int keep = KeptCount(k, options, joint ? strategy : null);

        var scan = System.Diagnostics.Stopwatch.StartNew();
        var cursors = plan.HasIdColumn && options.Partitions > 1
            ? scored.GetRowCursorSet(plan.Columns, options.Partitions)
            : [scored.GetRowCursor(plan.Columns)];
        Partial[] partials;
        try
        {
            partials = cursors.Length == 1
                ? [Scan(cursors[0], plan, keep, options)]
                : [.. cursors.AsParallel().AsOrdered().WithDegreeOfParallelism(cursors.Length).Select(c => Scan(c, plan, keep, options))];
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            throw e.InnerExceptions[0];
        }
        finally
        {
            foreach (var cursor in cursors) cursor.Dispose();
        }

        var best = BestOf(partials.Select(p => p.Kept), keep);
        return new SelectionCandidates(
            [.. best.Select(c => c.Id)], [.. best.Select(c => c.Score)],
            joint ? [.. best.Select(c => c.Probabilities!)] : null,
            joint && strategy!.NeedsEmbeddings ? [.. best.Select(c => c.Embedding!)] : null,
            [.. partials.SelectMany(p => p.LabelledEmbeddings)],
            partials.Sum(p => p.Seen), partials.Sum(p => p.Unlabelled), joint ? plan.Iterations : 0)
        {
            ScanSeconds = scan.Elapsed.TotalSeconds,
        };
    }

    private static IEnumerable<Candidate> Unpack(SelectionCandidates part) =>
        part.RowIds.Select((id, i) => new Candidate(id, part.Scores[i], part.Probabilities?[i], part.Embeddings?[i]));

    private static Partial Scan(DataViewRowCursor cursor, Plan plan, int keep, SelectionOptions options)
    {
        var labelled = options.Labelled;
        var excluded = options.Excluded;
        var partial = new Partial(keep);
        var score = cursor.GetGetter<float>(plan.Score);
        Func<long> id = plan.Id is { } idColumn ? IdReader.Create(cursor, idColumn) : () => cursor.Position;
        var probabilities = plan.Probabilities is { } p ? cursor.GetGetter<VBuffer<float>>(p) : null;
        var embedding = plan.Embedding is { } e ? cursor.GetGetter<VBuffer<float>>(e) : null;
        VBuffer<float> buffer = default;
        float value = 0;
        while (cursor.MoveNext())
        {
            partial.Seen++;
            long rowId = id();
            if (labelled is not null && labelled.Contains(rowId))
            {
                if (plan.CollectsLabelledEmbeddings && embedding is not null)
                {
                    embedding(ref buffer);
                    partial.LabelledEmbeddings.Add(buffer.DenseValues().ToArray());
                }
                continue;
            }
            if (excluded is not null && excluded.Contains(rowId)) continue;
            partial.Unlabelled++;
            score(ref value);
            if (float.IsNaN(value))
                throw new InvalidOperationException($"Row {rowId} has a NaN score in column '{plan.Score.Name}'.");
            if (!partial.WouldKeep(value, rowId)) continue;
            float[]? probs = null, emb = null;
            if (probabilities is not null)
            {
                probabilities(ref buffer);
                probs = buffer.DenseValues().ToArray();
            }
            if (embedding is not null)
            {
                embedding(ref buffer);
                emb = buffer.DenseValues().ToArray();
            }
            partial.Offer(new Candidate(rowId, value, probs, emb), plan.IdName);
        }
        return partial;
    }

    private static List<Candidate> BestOf(IEnumerable<IEnumerable<Candidate>> parts, int keep)
    {
        var all = parts.SelectMany(p => p).ToList();
        var duplicate = all.GroupBy(c => c.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Row id {duplicate.Key} occurs more than once among the best rows: ids must be unique.");
        all.Sort(BestFirst.Instance);
        return all.Count > keep ? all[..keep] : all;
    }

    internal readonly record struct Candidate(long Id, float Score, float[]? Probabilities, float[]? Embedding);

    /// <summary>Orders candidates best first: higher score, then lower id.</summary>
    private sealed class BestFirst : IComparer<Candidate>
    {
        public static readonly BestFirst Instance = new();

        public int Compare(Candidate x, Candidate y)
        {
            int byScore = y.Score.CompareTo(x.Score);
            return byScore != 0 ? byScore : x.Id.CompareTo(y.Id);
        }
    }

    /// <summary>Orders heap priorities worst first, so the heap's root is the row to evict.</summary>
    private sealed class WorstFirst : IComparer<(float Score, long Id)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((float Score, long Id) x, (float Score, long Id) y)
        {
            int byScore = x.Score.CompareTo(y.Score);
            return byScore != 0 ? byScore : y.Id.CompareTo(x.Id);
        }
    }

    private sealed class Partial(int keep)
    {
        private readonly PriorityQueue<Candidate, (float, long)> _heap = new(Math.Min(keep, 4096) + 1, WorstFirst.Instance);
        private readonly HashSet<long> _ids = [];

        public long Seen { get; set; }

        public long Unlabelled { get; set; }

        public List<float[]> LabelledEmbeddings { get; } = [];

        public IEnumerable<Candidate> Kept => _heap.UnorderedItems.Select(i => i.Element);

        public bool WouldKeep(float score, long id) =>
            _heap.Count < keep || WorstFirst.Instance.Compare((score, id), _heap.Peek() is var w ? (w.Score, w.Id) : default) > 0;

        public void Offer(Candidate candidate, string idName)
        {
            if (!_ids.Add(candidate.Id))
                throw new InvalidOperationException($"Row id {candidate.Id} occurs more than once in {idName}: ids must be unique.");
            if (_heap.Count < keep)
            {
                _heap.Enqueue(candidate, (candidate.Score, candidate.Id));
                return;
            }
            var evicted = _heap.DequeueEnqueue(candidate, (candidate.Score, candidate.Id));
            _ids.Remove(evicted.Id);
        }
    }

    /// <summary>Which columns a scan reads.</summary>
    private sealed class Plan
    {
        public Plan(DataViewSchema schema, SelectionOptions options, AcquisitionStrategy? joint)
        {
            Score = schema.GetColumnOrNull(options.ScoreColumnName)
                ?? throw new ArgumentException($"Score column '{options.ScoreColumnName}' is not in the scored pool.", nameof(options));
            if (Score.Type != NumberDataViewType.Single)
                throw new ArgumentException($"Score column '{Score.Name}' must be Single; it is {Score.Type}.", nameof(options));
            string? idName = options.IdColumnName ?? (schema.GetColumnOrNull("RowId") is not null ? "RowId" : null);
            if (idName is not null)
            {
                Id = schema.GetColumnOrNull(idName) ?? throw new ArgumentException($"Id column '{idName}' is not in the scored pool.", nameof(options));
                IdReader.Check(Id.Value);
            }
            IdName = idName is null ? "the row positions" : $"column '{idName}'";
            var columns = new List<DataViewSchema.Column> { Score };
            if (Id is { } id) columns.Add(id);
            if (joint is not null)
            {
                string name = ScoredColumns.ProbabilitiesName(options.ScoreColumnName);
                Probabilities = schema.GetColumnOrNull(name)
                    ?? throw new ArgumentException($"Strategy {joint.Name} picks rows jointly and needs column '{name}' from the acquisition scorer.", nameof(options));
                columns.Add(Probabilities.Value);
                if (joint.NeedsEmbeddings)
                {
                    string embeddingName = ScoredColumns.EmbeddingName(options.ScoreColumnName);
                    Embedding = schema.GetColumnOrNull(embeddingName)
                        ?? throw new ArgumentException(
                            $"Strategy {joint.Name} needs row embeddings (column '{embeddingName}'): score with a TorchClassifier learner or name an embedding column.",
                            nameof(options));
                    columns.Add(Embedding.Value);
                    CollectsLabelledEmbeddings = true;
                }
                Iterations = ScoredColumns.ReadIterations(Probabilities.Value);
            }
            Columns = columns;
        }

        public DataViewSchema.Column Score { get; }

        public DataViewSchema.Column? Id { get; }

        public bool HasIdColumn => Id is not null;

        public string IdName { get; }

        public DataViewSchema.Column? Probabilities { get; }

        public DataViewSchema.Column? Embedding { get; }

        public bool CollectsLabelledEmbeddings { get; }

        public IReadOnlyList<DataViewSchema.Column> Columns { get; }

        /// <summary>T of the probabilities column; 0 without one.</summary>
        public int Iterations { get; }
    }

    /// <summary>Lays the candidates' payloads out as one T×M×C batch (and M×D embeddings).</summary>
    private static AcquisitionBatch Batch(List<Candidate> candidates, int iterations)
    {
        int m = candidates.Count, t = iterations, c = candidates[0].Probabilities!.Length / iterations;
        var values = new float[t * m * c];
        for (int n = 0; n < m; n++)
        {
            var p = candidates[n].Probabilities!;
            if (p.Length != t * c)
                throw new ArgumentException($"Row {candidates[n].Id} has {p.Length} probabilities; T×C = {t}×{c} expected.", nameof(candidates));
            for (int i = 0; i < t; i++) p.AsSpan(i * c, c).CopyTo(values.AsSpan(((i * m) + n) * c, c));
        }
        float[]? embeddings = null;
        int size = 0;
        if (candidates[0].Embedding is { } first)
        {
            size = first.Length;
            embeddings = new float[m * size];
            for (int n = 0; n < m; n++) candidates[n].Embedding!.CopyTo(embeddings, n * size);
        }
        return new AcquisitionBatch(new ProbabilityTensor(values, t, m, c), [.. candidates.Select(x => x.Id)], embeddings, size);
    }
}
