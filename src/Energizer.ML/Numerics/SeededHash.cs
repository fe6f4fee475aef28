namespace Energizer.ML.Numerics;

/// <summary>
/// Counter-based random numbers: a value is a pure function of (seed, stream, index), built from the
/// SplitMix64 finaliser, so a row's draw depends on its row id alone and not on how rows are batched.
/// </summary>
internal static class SeededHash
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>Stream of <c>AcquisitionStrategy.Random</c>'s scores.</summary>
    public const ulong RandomStream = 1;

    /// <summary>Stream of PowerBALD's Gumbel noise.</summary>
    public const ulong GumbelStream = 2;

    /// <summary>Stream of the loop's draws of initial rows and cold-start queries.</summary>
    public const ulong DrawStream = 3;

    /// <summary>Stream of the loop's validation split.</summary>
    public const ulong ValidationStream = 4;

    /// <summary>Stream of the loop's stop set.</summary>
    public const ulong StopSetStream = 5;

    /// <summary>Stream of k-means++ seeding (TypiClust, ProbCover's δ).</summary>
    public const ulong KMeansStream = 6;

    /// <summary>Stream of ProbCover's picks once every row is covered.</summary>
    public const ulong CoveredStream = 7;

    /// <summary>First stream of the per-step draws of greedy batch methods (BatchBALD sampling, BADGE).</summary>
    public const ulong StepStreams = 1UL << 32;

    /// <summary>First stream of MC-Dropout's fresh masks; layer l, pass t use stream <c>DropoutMaskStreams + l·2²⁴ + t</c>.</summary>
    public const ulong DropoutMaskStreams = 1UL << 48;

    /// <summary>64 well-mixed bits for (seed, stream, index).</summary>
    public static ulong Bits(int seed, ulong stream, long index)
    {
        ulong h = Mix(unchecked(((ulong)(uint)seed * Golden) + stream + Golden));
        return Mix(unchecked(h + ((ulong)index * Golden) + Golden));
    }

    /// <summary>
    /// The start of the SplitMix64 stream of one row's fresh dropout mask: a pure function of
    /// (seed, layer, pass, the row's 128-bit id), so the mask does not depend on the batch or
    /// partition the row is scored in.
    /// </summary>
    public static ulong MaskState(int seed, int layer, int pass, ulong rowHigh, ulong rowLow)
    {
        ulong stream = unchecked(DropoutMaskStreams + ((ulong)(uint)layer << 24) + (uint)pass);
        return Mix(unchecked(Bits(seed, stream, (long)rowHigh) + (rowLow * Golden) + Golden));
    }

    /// <summary>A uniform value in the open interval (0, 1), 53 random bits.</summary>
    public static double Uniform(int seed, ulong stream, long index) =>
        ((Bits(seed, stream, index) >> 11) + 0.5) * (1.0 / (1UL << 53));

    /// <summary>A standard Gumbel(0, 1) value: −ln(−ln U).</summary>
    public static double Gumbel(int seed, ulong stream, long index) => -Math.Log(-Math.Log(Uniform(seed, stream, index)));

    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
