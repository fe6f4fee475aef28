using System.Runtime.Intrinsics;
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

    /// <summary>The values of one 16-bit draw: a unit is kept when its draw is below keep · 2¹⁶.</summary>
    private const double UnitRange = 65536;

    /// <summary>
    /// Fresh masks of passes [<paramref name="firstPass"/>, +<paramref name="passes"/>) for the
    /// first <paramref name="count"/> of <paramref name="rows"/>: [passes, count, .. <paramref name="perRow"/>],
    /// each value <paramref name="kept"/> with probability <paramref name="keep"/>, else 0.
    /// </summary>
    public static Tensor Fresh(int seed, int layer, int firstPass, int passes, DataViewRowId[] rows, int count, long[] perRow, double keep, float kept, Device device)
    {
        var mask = empty([passes, count, .. perRow], dtype: ScalarType.Float32);
        FreshInto(Floats(mask), seed, layer, firstPass, passes, rows, count, Size(perRow), keep, kept);
        if (device.type == DeviceType.CPU) return mask;
        using (mask) return mask.to(device);
    }

    /// <summary>
    /// <see cref="Fresh"/>'s values, [passes][count][<paramref name="units"/>], written into
    /// <paramref name="output"/> (the mask inputs of a network part that ONNX Runtime runs).
    /// </summary>
    public static void FreshInto(Span<float> output, int seed, int layer, int firstPass, int passes, DataViewRowId[] rows, int count, int units, double keep, float kept) =>
        Write(output, default, shared: false, rectify: false, seed, layer, firstPass, passes, rows, count, units, units, keep, kept);

    /// <summary>
    /// The [<paramref name="passes"/>·N, ...] batch of <paramref name="shared"/> ([N, ...], contiguous,
    /// on the CPU) times the fresh masks of passes 0 … T − 1, written without making the masks;
    /// each row has <paramref name="units"/> mask values, each covering an equal run of the row
    /// (a channel's values for channel dropout).
    /// </summary>
    public static Tensor Expand(Tensor shared, int passes, int seed, int layer, DataViewRowId[] rows, int units, double keep, float kept)
    {
        int count = (int)shared.shape[0];
        var output = empty([passes * count, .. shared.shape[1..]], dtype: ScalarType.Float32);
        ExpandInto(Floats(output), Floats(shared), passes, seed, layer, rows, count, units, keep, kept);
        return output;
    }

    /// <summary>
    /// <see cref="Expand"/> from and into memory: <paramref name="shared"/> holds <paramref name="count"/>
    /// rows, <paramref name="output"/> gets the <paramref name="passes"/>·count masked ones.
    /// </summary>
    public static void ExpandInto(Span<float> output, ReadOnlySpan<float> shared, int passes, int seed, int layer, DataViewRowId[] rows, int count, int units, double keep, float kept) =>
        Write(output, shared, shared: true, rectify: false, seed, layer, 0, passes, rows, count, shared.Length / count, units, keep, kept);

    /// <summary>
    /// Multiplies <paramref name="batch"/> ([T·N, ...], contiguous, on the CPU, the caller's own
    /// temporary) in place by the fresh masks of passes 0 … T − 1 (see <see cref="Expand"/>), after
    /// a ReLU when <paramref name="rectify"/> (one pass over memory instead of two).
    /// </summary>
    public static Tensor ApplyInPlace(Tensor batch, int passes, int seed, int layer, DataViewRowId[] rows, int units, double keep, float kept, bool rectify = false)
    {
        int count = (int)(batch.shape[0] / passes);
        var values = Floats(batch);
        Write(values, values, shared: false, rectify, seed, layer, 0, passes, rows, count, Size(batch.shape[1..]), units, keep, kept);
        return batch;
    }

    /// <summary>
    /// Row (t, n) of <paramref name="output"/> ([passes, count, size]) gets row n (when
    /// <paramref name="shared"/>) or row (t, n) of <paramref name="input"/> times its mask; an
    /// empty input stands for ones; with <paramref name="rectify"/> the input's negative values
    /// count as 0 (a ReLU fused into the dropout that follows it). Drawn in managed code straight
    /// into tensor memory: LibTorch's CPU <c>bernoulli_</c> draws one Mersenne-Twister number per
    /// element on one thread, and a separate mask tensor costs an allocation and a pass over
    /// memory per layer.
    /// </summary>
    private static void Write(Span<float> output, ReadOnlySpan<float> input, bool shared, bool rectify, int seed, int layer, int firstPass, int passes,
        DataViewRowId[] rows, int count, int size, int units, double keep, float kept)
    {
        uint threshold = (uint)Math.Round(keep * UnitRange);
        int keptBits = BitConverter.SingleToInt32Bits(kept);
        for (int t = 0; t < passes; t++)
        {
            for (int n = 0; n < count; n++)
            {
                ulong state = SeededHash.MaskState(seed, layer, firstPass + t, rows[n].High, rows[n].Low);
                int row = ((t * count) + n) * size;
                var from = input.IsEmpty ? default : input.Slice(shared ? n * size : row, size);
                Row(output.Slice(row, size), from, rectify, units, state, threshold, keptBits);
            }
        }
    }

    private static int Size(long[] shape) => checked((int)shape.Aggregate(1L, (a, b) => a * b));

    /// <summary>The memory of a contiguous CPU float tensor.</summary>
    private static Span<float> Floats(Tensor values) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(values.bytes);

    /// <summary>
    /// One row: unit j's value is <paramref name="input"/> (1 when empty) times the kept value when
    /// the 16-bit draw j of the SplitMix64 stream at <paramref name="state"/> (four per 64-bit draw,
    /// low bits first) is below <paramref name="threshold"/> (keep · 2¹⁶, so the keep probability is
    /// rounded to a multiple of 2⁻¹⁶), else 0.
    /// </summary>
    private static void Row(Span<float> output, ReadOnlySpan<float> input, bool rectify, int units, ulong state, uint threshold, int keptBits)
    {
        int spread = output.Length / units;
        int j = spread == 1 ? Block(output, input, rectify, units, ref state, threshold, keptBits) : 0;
        ulong bits = 0;
        for (; j < units; j++)
        {
            if ((j & 3) == 0) bits = Next(ref state);
            uint u = (uint)(bits >> (16 * (j & 3))) & 0xFFFF;
            // Branch-free (the draws are unpredictable): (u - threshold) underflows, setting bit 63, exactly
            // when u < threshold; negated, that bit is an all-ones mask that keeps the kept value's bits, else 0.
            float scale = BitConverter.Int32BitsToSingle(keptBits & -(int)((((ulong)u) - threshold) >> 63));
            if (spread == 1)
            {
                output[j] = input.IsEmpty ? scale : Rectified(input[j], rectify) * scale;
                continue;
            }
            var run = output.Slice(j * spread, spread);
            if (input.IsEmpty) run.Fill(scale);
            else
            {
                var values = input.Slice(j * spread, spread);
                for (int r = 0; r < spread; r++) run[r] = Rectified(values[r], rectify) * scale;
            }
        }
    }

    private static float Rectified(float value, bool rectify) => rectify ? MathF.Max(value, 0) : value;

    /// <summary>
    /// The first whole sixteen-unit blocks of an elementwise <see cref="Row"/>, four draws at once:
    /// SplitMix64's draw k is a function of state + k·γ alone, and the sixteen 16-bit quarters of
    /// draws k … k + 3 are units 4k … 4k + 15 in the scalar order. Returns the units done and
    /// advances <paramref name="state"/> past the draws used.
    /// </summary>
    private static int Block(Span<float> output, ReadOnlySpan<float> input, bool rectify, int units, ref ulong state, uint threshold, int keptBits)
    {
        if (!Vector256.IsHardwareAccelerated) return 0;
        var counter = unchecked(Vector256.Create(state + SplitMixGamma, state + (2 * SplitMixGamma), state + (3 * SplitMixGamma), state + (4 * SplitMixGamma)));
        var step = Vector256.Create(unchecked(4 * SplitMixGamma));
        var limit = Vector256.Create(threshold);
        var kept = Vector256.Create(keptBits).AsSingle();
        int j = 0;
        for (; j + 16 <= units; j += 16)
        {
            var z = counter;
            counter += step;
            z = (z ^ Vector256.ShiftRightLogical(z, 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ Vector256.ShiftRightLogical(z, 27)) * 0x94D049BB133111EBUL;
            z ^= Vector256.ShiftRightLogical(z, 31);
            var (low, high) = Vector256.Widen(z.AsUInt16());
            Store(output.Slice(j, 8), input.IsEmpty ? default : input.Slice(j, 8), rectify, Vector256.LessThan(low, limit).AsSingle() & kept);
            Store(output.Slice(j + 8, 8), input.IsEmpty ? default : input.Slice(j + 8, 8), rectify, Vector256.LessThan(high, limit).AsSingle() & kept);
        }
        state = unchecked(state + ((ulong)(j / 4) * SplitMixGamma));
        return j;
    }

    private static void Store(Span<float> output, ReadOnlySpan<float> input, bool rectify, Vector256<float> scale)
    {
        if (input.IsEmpty)
        {
            scale.CopyTo(output);
            return;
        }
        var values = Vector256.Create(input);
        if (rectify) values = Vector256.Max(values, Vector256<float>.Zero);
        (values * scale).CopyTo(output);
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

    private static ulong Next(ref ulong state)
    {
        ulong z = state += SplitMixGamma;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
