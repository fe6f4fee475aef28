using Energizer.ML.Orleans;
using Energizer.ML.Scoring;

namespace DistributedPoolSample;

/// <summary>
/// Scores each round on the cluster, then again on this machine, prints the silos' rates and
/// whether the two selections are the same, and hands the loop the cluster's.
/// </summary>
public sealed class CheckedPoolScorer(OrleansPoolScorer cluster, TextWriter output) : IPoolScorer
{
    /// <summary>Rounds whose cluster selection differed from the single-process one.</summary>
    public int Mismatches { get; private set; }

    /// <inheritdoc />
    public async Task<Selection> SelectAsync(PoolScoringRequest request, CancellationToken cancellationToken = default)
    {
        var spread = await cluster.SelectAsync(request, cancellationToken).ConfigureAwait(false);
        var round = cluster.LastRound!;
        var single = await InProcessPoolScorer.Instance.SelectAsync(request, cancellationToken).ConfigureAwait(false);
        bool same = single.RowIds.SequenceEqual(spread.RowIds) && single.Scores.SequenceEqual(spread.Scores);
        if (!same) Mismatches++;
        foreach (var (silo, rate) in round.RowsPerSecondBySilo.OrderBy(p => p.Key, StringComparer.Ordinal))
            await output.WriteLineAsync($"  silo {silo}: {round.Shards.Where(s => s.Silo == silo).Sum(s => s.Rows)} rows, {rate:F0} rows/s").ConfigureAwait(false);
        await output.WriteLineAsync(
            $"  cluster round {round.Seconds:F2} s, on this machine {single.ScanSeconds + single.PickSeconds:F2} s; {round.WireBytes:N0} bytes on the wire; "
            + $"selection {(same ? "equals" : "DIFFERS FROM")} the single-process scorer's ({string.Join(", ", spread.RowIds.Take(5))}, ...)").ConfigureAwait(false);
        return spread;
    }
}
