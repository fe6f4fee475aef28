using Energizer.ML.Orleans.Wire;

namespace Energizer.ML.Orleans.Grains;

/// <summary>The model bytes of one hash, in memory. A new activation (after its silo died) is empty until the client stores them again.</summary>
internal sealed class ModelGrain : Grain, IModelGrain
{
    private byte[]? _bytes;

    public Task Put(byte[] bytes)
    {
        string key = this.GetPrimaryKeyString();
        string hash = ModelBytes.Hash(bytes);
        if (hash != key) throw new ArgumentException($"Model bytes hash to {hash}, not to this grain's key {key}.", nameof(bytes));
        _bytes = bytes;
        return Task.CompletedTask;
    }

    public Task<byte[]> Get() => _bytes is { } bytes
        ? Task.FromResult(bytes)
        : throw new KeyNotFoundException($"Model {this.GetPrimaryKeyString()} is not stored here (its first activation was lost): the client stores it again.");
}
