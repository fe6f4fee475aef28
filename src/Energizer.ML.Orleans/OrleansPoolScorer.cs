using System.Diagnostics;
using Energizer.ML.Orleans.Grains;
using Energizer.ML.Orleans.Shards;
using Energizer.ML.Orleans.Wire;
using Energizer.ML.Scoring;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML;
using Orleans.Serialization;

namespace Energizer.ML.Orleans;

/// <summary>
/// An <see cref="IPoolScorer"/> that spreads a <see cref="ShardedPool"/>'s shards over an Orleans
/// cluster (docs/design.md, "Pool scorers"): the round's model goes to a model grain once, as
/// bytes keyed by their hash; one grain per shard scores it with the single-machine scorer and
/// returns its top k (its top M with probabilities and embeddings for a batch-aware strategy);
/// this client merges them with the single-process tie-break and makes any joint pick. The
/// selection is the one <see cref="InProcessPoolScorer"/> makes on the same pool. A shard whose
/// call fails for the cluster's reasons is tried again (its grain reactivates on a surviving
/// silo); a shard that cannot be read fails the round with an error naming it.
/// </summary>
/// <remarks>Set it as <c>ActiveLearningOptions.PoolScorer</c> and give the loop the same <see cref="ShardedPool"/>.</remarks>
public sealed class OrleansPoolScorer : IPoolScorer
{
    private readonly IClusterClient _client;
    private readonly ShardedPool _pool;
    private readonly OrleansPoolScorerOptions _options;
    private readonly Serializer _serializer;

    /// <summary>Scores <paramref name="pool"/>'s shards on the cluster <paramref name="client"/> is connected to.</summary>
    public OrleansPoolScorer(IClusterClient client, ShardedPool pool, OrleansPoolScorerOptions? options = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _pool = pool ?? throw new ArgumentNullException(nameof(pool));
        _options = options ?? new OrleansPoolScorerOptions();
        _serializer = client.ServiceProvider.GetRequiredService<Serializer>();
    }

    /// <summary>The last round's costs; null before the first.</summary>
    public PoolScoringRound? LastRound { get; private set; }

    /// <inheritdoc />
    public async Task<Selection> SelectAsync(PoolScoringRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckPool(request.Pool);
        var watch = Stopwatch.StartNew();
        var recipe = ScoringRecipe.Of(request.Scorer);
        byte[] model = ModelBytes.Write(new MLContext(0), request.Model, request.Pool.Schema);
        string hash = ModelBytes.Hash(model);
        await WithRetries("storing the model", () => _client.GetGrain<IModelGrain>(hash).Put(model), cancellationToken).ConfigureAwait(false);

        string round = Guid.NewGuid().ToString("N");
        var calls = Enumerable.Range(0, _pool.Shards.Count).Select(s => Call(s, $"{round}/{s}", hash, recipe, request)).ToArray();
        var answers = await Task.WhenAll(calls.Select(c => ScoreShard(c, hash, model, cancellationToken))).ConfigureAwait(false);
        var selection = TopKSelector.Merge([.. answers.Select(a => a.Result.Unpack())], request.K, request.Selection, request.Scorer.Strategy);
        LastRound = new PoolScoringRound(
            [.. answers.Select((a, s) => new ShardRound(_pool.Shards[s].Name, a.Result.Silo, a.Result.Seen, a.Result.ScanSeconds, a.Attempts))],
            model.Length,
            calls.Select((c, s) => (long)_serializer.SerializeToArray(c).Length * answers[s].Attempts).Sum(),
            answers.Sum(a => (long)_serializer.SerializeToArray(a.Result).Length),
            watch.Elapsed.TotalSeconds);
        return selection;
    }

    private void CheckPool(IDataView pool)
    {
        // The loop hands over the pool as the model scores it: the sharded pool itself, or it
        // with a label column of missing values added.
        bool same = ReferenceEquals(pool, _pool)
            || (pool.GetRowCount() == _pool.RowCount && _pool.Schema.All(c => pool.Schema.GetColumnOrNull(c.Name)?.Type.Equals(c.Type) == true));
        if (!same)
            throw new ArgumentException(
                "The pool to score is not this scorer's sharded pool: give the loop the same ShardedPool the OrleansPoolScorer was made with.", nameof(pool));
    }

    private ShardScoringCall Call(int shard, string callId, string hash, ScoringRecipe recipe, PoolScoringRequest request)
    {
        long first = _pool.FirstRows[shard], rows = _pool.RowsOf(shard);
        bool positions = request.Scorer.IdColumnName is null;
        // Ids are positions: send each shard its own rows' ids, as shard positions. With an id
        // column, a row's shard is not known here, so every shard gets every id.
        long[] InShard(IReadOnlySet<long>? ids) => ids is null ? []
            : positions ? [.. ids.Where(id => id >= first && id < first + rows).Select(id => id - first).Order()]
            : [.. ids.Order()];
        return new ShardScoringCall
        {
            CallId = callId,
            ModelHash = hash,
            Shard = _pool.Shards[shard],
            FirstRow = first,
            Rows = rows,
            SchemaSignature = _pool.SchemaSignature,
            Recipe = recipe,
            K = request.K,
            Partitions = request.Selection.Partitions,
            CandidateCount = request.Selection.CandidateCount,
            Labelled = InShard(request.Selection.Labelled),
            Excluded = InShard(request.Selection.Excluded),
        };
    }

    private async Task<(ShardCandidates Result, int Attempts)> ScoreShard(ShardScoringCall call, string hash, byte[] model, CancellationToken cancellationToken)
    {
        int attempts = 0;
        var result = await WithRetries($"scoring shard {call.Shard.Name}", async () =>
        {
            if (attempts++ > 0)
            {
                // The model grain may have lived on the silo that died: store the bytes again.
                await _client.GetGrain<IModelGrain>(hash).Put(model).ConfigureAwait(false);
            }
            return await _client.GetGrain<IShardScorerGrain>(call.Shard.Name).Score(call).WaitAsync(_options.CallTimeout, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        _options.ShardAnswered?.Invoke(new ShardRound(call.Shard.Name, result.Silo, result.Seen, result.ScanSeconds, attempts));
        return (result, attempts);
    }

    private Task WithRetries(string what, Func<Task> action, CancellationToken cancellationToken) =>
        WithRetries<bool>(what, async () =>
        {
            await action().ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private async Task<T> WithRetries<T>(string what, Func<Task<T>> action, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return await action().ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken) && deadline.Elapsed < _options.RetryFor)
            {
                await Task.Delay(_options.RetryDelay, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                throw new TimeoutException($"Gave up {what} after {deadline.Elapsed.TotalSeconds:F0} s of failed tries (OrleansPoolScorerOptions.RetryFor): {e.Message}", e);
            }
        }
    }

    /// <summary>Failures of the cluster, not of the shard: a bad shard (unreadable, other columns) or bad settings fail at once.</summary>
    private static bool IsTransient(Exception e, CancellationToken cancellationToken) =>
        e is not (InvalidDataException or ArgumentException or NotSupportedException) && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested);
}
