using System.Collections.Concurrent;
using Energizer.ML.Orleans.Shards;
using Energizer.ML.Orleans.Wire;
using Energizer.ML.Scoring;
using Microsoft.Extensions.Options;
using Microsoft.ML;
using Orleans.Runtime;

namespace Energizer.ML.Orleans.Grains;

/// <summary>
/// A silo's share of pool scoring: the model bytes it fetched (by hash, the last few rounds'),
/// and a gate that lets <see cref="PoolScoringSiloOptions.ConcurrentShards"/> shards score at once.
/// Scoring runs on the thread pool, not on Orleans's scheduler, whose threads must stay free for messages.
/// </summary>
internal sealed class PoolScoringSilo
{
    private const int CachedModels = 4;
    private readonly ConcurrentDictionary<string, Lazy<Task<byte[]>>> _models = new();
    private readonly ConcurrentQueue<string> _order = new();
    private readonly SemaphoreSlim _gate;
    private readonly string _name;
    private int _fetches;

    public PoolScoringSilo(IOptions<PoolScoringSiloOptions> options, ILocalSiloDetails silo)
    {
        var settings = options.Value;
        if (settings.ConcurrentShards < 1)
            throw new ArgumentOutOfRangeException(nameof(options), settings.ConcurrentShards, "PoolScoringSiloOptions.ConcurrentShards must be at least 1.");
        _gate = new SemaphoreSlim(settings.ConcurrentShards);
        _name = silo.SiloAddress.ToString();
        if (settings.TorchThreads is { } threads)
        {
            Torch.TorchRuntime.EnsureLoaded();
            TorchSharp.torch.set_num_threads(threads);
        }
    }

    /// <summary>Model bytes fetched from model grains so far (one per hash, unless a fetch failed).</summary>
    public int ModelFetches => _fetches;

    /// <summary>The model bytes of <paramref name="hash"/>: fetched once, then from memory.</summary>
    public async Task<byte[]> ModelAsync(string hash, IGrainFactory grains)
    {
        var fetch = _models.GetOrAdd(hash, h => new Lazy<Task<byte[]>>(async () =>
        {
            Interlocked.Increment(ref _fetches);
            return await grains.GetGrain<IModelGrain>(h).Get();
        }));
        try
        {
            var bytes = await fetch.Value;
            Remember(hash);
            return bytes;
        }
        catch
        {
            _models.TryRemove(hash, out _);
            throw;
        }
    }

    /// <summary>Scores the call's shard once a scoring slot is free.</summary>
    public async Task<ShardCandidates> ScoreAsync(ShardScoringCall call, byte[] model)
    {
        await _gate.WaitAsync();
        try
        {
            return await Task.Run(() => Score(call, model));
        }
        finally
        {
            _gate.Release();
        }
    }

    private ShardCandidates Score(ShardScoringCall call, byte[] modelBytes)
    {
        var shard = call.Shard;
        try
        {
            var context = new MLContext(0);
            var rows = shard.Open(context);
            ShardedPool.CheckSchema(shard, ShardedPool.SignatureOf(rows.Schema), "the pool", call.SchemaSignature);
            var model = ModelBytes.Read(context, modelBytes);
            try
            {
                var options = call.Recipe.ToOptions();
                using var session = new AcquisitionScorerTransformer(model, options).Score(new ShardRowsView(rows, call.FirstRow));
                var candidates = TopKSelector.Candidates(session, call.K, new SelectionOptions
                {
                    ScoreColumnName = options.OutputColumnName,
                    IdColumnName = options.IdColumnName,
                    Labelled = call.Labelled.ToHashSet(),
                    Excluded = call.Excluded.ToHashSet(),
                    Partitions = call.Partitions,
                    CandidateCount = call.CandidateCount,
                });
                if (candidates.Seen != call.Rows)
                    throw new InvalidDataException($"Shard {shard.Name} has {candidates.Seen} rows on silo {_name}, but {call.Rows} when the pool was opened: every silo must read the same shard.");
                // Ids are shard positions unless the pool has an id column: make them global.
                return ShardCandidates.Pack(candidates, options.IdColumnName is null ? call.FirstRow : 0, _name);
            }
            finally
            {
                ModelBytes.Dispose(model);
            }
        }
        catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException)
        {
            throw new InvalidDataException($"Shard {shard.Name} could not be scored on silo {_name}: {e.Message}", e);
        }
    }

    private void Remember(string hash)
    {
        if (_order.Contains(hash)) return;
        _order.Enqueue(hash);
        while (_order.Count > CachedModels && _order.TryDequeue(out var old)) _models.TryRemove(old, out _);
    }
}
