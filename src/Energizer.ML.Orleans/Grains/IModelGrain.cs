namespace Energizer.ML.Orleans.Grains;

/// <summary>Holds one round's model bytes, keyed by their SHA-256, for silos to fetch once each.</summary>
[Alias("Energizer.ML.Orleans.IModelGrain")]
internal interface IModelGrain : IGrainWithStringKey
{
    /// <summary>Stores the bytes; refuses bytes whose hash is not the grain's key.</summary>
    [Alias("Put")]
    Task Put(byte[] bytes);

    /// <summary>The stored bytes; throws <see cref="KeyNotFoundException"/> when this activation has none (the client stores them again).</summary>
    [Alias("Get")]
    Task<byte[]> Get();
}
