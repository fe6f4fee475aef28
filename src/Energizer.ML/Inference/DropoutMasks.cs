using Energizer.ML.Numerics;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Inference;

/// <summary>
/// MC-Dropout masks, none drawn from torch's process-wide generator (which training reseeds and
/// partitions would race on). A fresh mask is per row: row r's mask for (pass t, layer l) is a
/// SplitMix64 stream started at <see cref="SeededHash.MaskState"/>(seed, l, t, id of r), so it is
/// the same whichever batch or partition r is scored in. Consistent masks are shared by all rows:
/// T masks per layer from a generator of their own, seeded by (seed, layer).
/// </summary>
internal static class DropoutMasks
{
    private const ulong SplitMixGamma = 0x9E3779B97F4A7C15UL;

    /// <summary>
    /// Fresh masks of passes [<paramref name="firstPass"/>, +<paramref name="passes"/>) for the
    /// first <paramref name="count"/> of <paramref name="rows"/>: [passes, count, .. <paramref name="perRow"/>],
    /// each value <paramref name="kept"/> with probability <paramref name="keep"/>, else 0.
    /// Drawn in managed code straight into the tensor's memory: LibTorch's CPU <c>bernoulli_</c>
    /// draws one Mersenne-Twister number per element on one thread, and a managed array copied
    /// into a tensor costs a large-object allocation and a copy per mask.
    /// </summary>
    public static Tensor Fresh(int seed, int layer, int firstPass, int passes, DataViewRowId[] rows, int count, long[] perRow, double keep, float kept, Device device)
    {
        var mask = empty([passes, count, .. perRow], dtype: ScalarType.Float32);
        int units = checked((int)perRow.Aggregate(1L, (a, b) => a * b));
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(mask.bytes);
        uint threshold = (uint)Math.Min(uint.MaxValue, Math.Round(keep * 4294967296.0));
        int keptBits = BitConverter.SingleToInt32Bits(kept);
        for (int t = 0; t < passes; t++)
        {
            for (int n = 0; n < count; n++)
            {
                ulong state = SeededHash.MaskState(seed, layer, firstPass + t, rows[n].High, rows[n].Low);
                Fill(words.Slice(((t * count) + n) * units, units), state, threshold, keptBits);
            }
        }
        if (device.type == DeviceType.CPU) return mask;
        using (mask) return mask.to(device);
    }

    /// <summary>
    /// The consistent masks of layer <paramref name="layer"/>: [T, 1, .. <paramref name="perRow"/>],
    /// each value 0 or 1/keep, drawn from a generator seeded by (<paramref name="seed"/>,
    /// <paramref name="layer"/>); the ONNX export of consistent MC-Dropout uses the same.
    /// </summary>
    public static Tensor Consistent(int seed, int layer, int iterations, long[] perRow, double rate, Device device)
    {
        long[] shape = [iterations, 1, .. perRow];
        if (rate == 0) return ones(shape, device: device);
        double keep = 1 - rate;
        using var generator = new Generator(SeededHash.Bits(seed, SeededHash.StepStreams + 0xD0, layer), device: device);
        using var ownedKeep = keep.ToScalar();
        return empty(shape, device: device).bernoulli_(keep, generator: generator).div_(ownedKeep);
    }

    /// <summary>Fills <paramref name="words"/> from the SplitMix64 stream at <paramref name="state"/>, two words per draw.</summary>
    private static void Fill(Span<int> words, ulong state, uint threshold, int keptBits)
    {
        for (int j = 0; j < words.Length; j += 2)
        {
            ulong bits = Next(ref state);
            // Branch-free (the draws are unpredictable): (u - threshold) underflows, setting bit 63, exactly
            // when u < threshold; negated, that bit is an all-ones mask that keeps the kept value's bits, else 0.
            words[j] = keptBits & -(int)((((ulong)(uint)bits) - threshold) >> 63);
            if (j + 1 < words.Length) words[j + 1] = keptBits & -(int)(((bits >> 32) - threshold) >> 63);
        }
    }

    private static ulong Next(ref ulong state)
    {
        ulong z = state += SplitMixGamma;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
