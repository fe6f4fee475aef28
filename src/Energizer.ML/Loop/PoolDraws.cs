using Energizer.ML.Acquisition;
using Energizer.ML.Numerics;
using Energizer.ML.Scoring;
using Microsoft.ML;

namespace Energizer.ML.Loop;

/// <summary>
/// Seeded random draws of pool rows in one streaming pass and O(k) memory: a row's rank is a
/// hash of (seed, row id), so a draw does not depend on the pool's batching or the machine.
/// </summary>
internal static class PoolDraws
{
    /// <summary>The number of pool rows (one counting pass when the view does not know it).</summary>
    public static long CountRows(IDataView pool)
    {
        if (pool.GetRowCount() is { } known) return known;
        long count = 0;
        using var cursor = pool.GetRowCursor([]);
        while (cursor.MoveNext()) count++;
        return count;
    }

    /// <summary>
    /// The initial labelled set: <see cref="ActiveLearningOptions.InitialRowIds"/> (checked), or
    /// <see cref="ActiveLearningOptions.InitialLabelledCount"/> rows drawn at random or stratified.
    /// </summary>
    public static List<long> InitialSet(IDataView pool, ActiveLearningOptions options, long poolRows)
    {
        var none = new HashSet<long>();
        if (options.InitialRowIds is { } explicitIds)
        {
            var distinct = explicitIds.Distinct().ToList();
            if (distinct.Count != explicitIds.Count) throw new ArgumentException("ActiveLearningOptions.InitialRowIds holds a row id twice.");
            if (explicitIds.FirstOrDefault(i => i < 0 || (options.IdColumnName is null && i >= poolRows)) is var bad && (bad < 0 || (options.IdColumnName is null && bad >= poolRows)))
                throw new ArgumentException($"ActiveLearningOptions.InitialRowIds holds {bad}, which is not a row of the pool ({poolRows} rows).");
            return distinct;
        }
        int count = options.InitialLabelledCount;
        if (count == 0) return [];
        return options.StratifyColumnName is { } stratify
            ? Stratified(pool, options.IdColumnName, stratify, count, options.Seed, none)
            : Random(pool, options.IdColumnName, count, options.Seed, SeededHash.DrawStream, none);
    }

    /// <summary>Draws up to <paramref name="k"/> rows not in <paramref name="exclude"/>, ordered by their hash.</summary>
    public static List<long> Random(IDataView pool, string? idColumnName, int k, int seed, ulong stream, IReadOnlySet<long> exclude)
    {
        var heap = new PriorityQueue<long, ulong>(Comparer<ulong>.Create((a, b) => b.CompareTo(a)));
        Scan(pool, idColumnName, null, (id, _) =>
        {
            if (exclude.Contains(id)) return;
            Offer(heap, k, id, SeededHash.Bits(seed, stream, id));
        });
        return Drain(heap);
    }

    /// <summary>
    /// Draws <paramref name="k"/> rows with each value of <paramref name="stratifyColumnName"/>
    /// represented in proportion to its frequency (largest remainder), in two streaming passes.
    /// </summary>
    public static List<long> Stratified(IDataView pool, string? idColumnName, string stratifyColumnName, int k, int seed, IReadOnlySet<long> exclude)
    {
        var column = pool.Schema.GetColumnOrNull(stratifyColumnName)
            ?? throw new ArgumentException($"Stratify column '{stratifyColumnName}' is not in the pool.", nameof(stratifyColumnName));
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        Scan(pool, idColumnName, column, (id, value) =>
        {
            if (!exclude.Contains(id)) counts[value!] = counts.GetValueOrDefault(value!) + 1;
        });
        long total = counts.Values.Sum();
        if (total == 0) return [];
        int take = (int)Math.Min(k, total);
        var quotas = counts.ToDictionary(c => c.Key, c => (int)Math.Floor((double)take * c.Value / total));
        int left = take - quotas.Values.Sum();
        foreach (var c in counts.OrderByDescending(c => ((double)take * c.Value / total) - quotas[c.Key]).ThenBy(c => c.Key, StringComparer.Ordinal).Take(left))
            quotas[c.Key]++;
        var heaps = counts.Keys.ToDictionary(key => key, _ => new PriorityQueue<long, ulong>(Comparer<ulong>.Create((a, b) => b.CompareTo(a))));
        Scan(pool, idColumnName, column, (id, value) =>
        {
            if (!exclude.Contains(id)) Offer(heaps[value!], quotas[value!], id, SeededHash.Bits(seed, SeededHash.DrawStream, id));
        });
        return [.. heaps.Values.SelectMany(Drain).OrderBy(id => SeededHash.Bits(seed, SeededHash.DrawStream, id))];
    }

    private static void Offer(PriorityQueue<long, ulong> heap, int k, long id, ulong rank)
    {
        if (k <= 0) return;
        if (heap.Count < k) heap.Enqueue(id, rank);
        else if (heap.TryPeek(out _, out ulong worst) && rank < worst) heap.DequeueEnqueue(id, rank);
    }

    private static List<long> Drain(PriorityQueue<long, ulong> heap)
    {
        var items = new List<(long Id, ulong Rank)>();
        while (heap.TryDequeue(out long id, out ulong rank)) items.Add((id, rank));
        return [.. items.OrderBy(i => i.Rank).Select(i => i.Id)];
    }

    private static void Scan(IDataView pool, string? idColumnName, DataViewSchema.Column? valueColumn, Action<long, string?> visit)
    {
        var columns = new List<DataViewSchema.Column>();
        DataViewSchema.Column? idColumn = idColumnName is null ? null : pool.Schema[idColumnName];
        if (idColumn is { } ic) columns.Add(ic);
        if (valueColumn is { } vc) columns.Add(vc);
        using var cursor = pool.GetRowCursor(columns);
        long position = -1;
        Func<long> id = idColumn is { } idc ? IdReader.Create(cursor, idc) : () => position;
        Func<object>? value = valueColumn is { } v ? LabelValues.Reader(cursor, v) : null;
        while (cursor.MoveNext())
        {
            position++;
            visit(id(), value is null ? null : LabelValues.Format(value()));
        }
    }
}
