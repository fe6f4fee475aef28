using System.Numerics.Tensors;
using Energizer.ML.Numerics;

namespace Energizer.ML.Acquisition;

/// <summary>
/// Seeded k-means on row-major points: k-means++ seeding (each next centre drawn with probability
/// ∝ the squared distance to the nearest centre so far, from <see cref="SeededHash"/> uniforms),
/// then Lloyd iterations until no point changes cluster. Ties go to the lower cluster index, an
/// empty cluster keeps its centre, so the result is a pure function of (points, k, seed)
/// (docs/design.md, "Low-budget strategies").
/// </summary>
internal static class KMeans
{
    /// <summary>Lloyd iterations at most; they usually settle long before.</summary>
    public const int MaxIterations = 100;

    /// <summary>The cluster (0 … <paramref name="k"/> − 1) of each of the <paramref name="count"/> points.</summary>
    public static int[] Cluster(float[] points, int count, int width, int k, int seed)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, count);
        var centres = Seed(points, count, width, k, seed);
        var assignment = new int[count];
        Array.Fill(assignment, -1);
        var sums = new double[k * width];
        var sizes = new int[k];
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            bool changed = false;
            for (int n = 0; n < count; n++)
            {
                int nearest = Nearest(Point(points, n, width), centres, k, width);
                changed |= nearest != assignment[n];
                assignment[n] = nearest;
            }
            if (!changed) break;
            Array.Clear(sums);
            Array.Clear(sizes);
            for (int n = 0; n < count; n++)
            {
                int c = assignment[n];
                sizes[c]++;
                var x = Point(points, n, width);
                for (int d = 0; d < width; d++) sums[(c * width) + d] += x[d];
            }
            for (int c = 0; c < k; c++)
            {
                if (sizes[c] == 0) continue;
                for (int d = 0; d < width; d++) centres[(c * width) + d] = (float)(sums[(c * width) + d] / sizes[c]);
            }
        }
        return assignment;
    }

    /// <summary>The Euclidean distance of two rows.</summary>
    public static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.Distance(a, b);

    /// <summary>The squared Euclidean distance of two rows.</summary>
    public static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double distance = Distance(a, b);
        return distance * distance;
    }

    /// <summary>Row <paramref name="n"/> of row-major <paramref name="points"/>.</summary>
    public static ReadOnlySpan<float> Point(float[] points, int n, int width) => points.AsSpan(n * width, width);

    private static float[] Seed(float[] points, int count, int width, int k, int seed)
    {
        var centres = new float[k * width];
        var nearest = new double[count];
        int first = Math.Min(count - 1, (int)(SeededHash.Uniform(seed, SeededHash.KMeansStream, 0) * count));
        Point(points, first, width).CopyTo(centres);
        for (int n = 0; n < count; n++) nearest[n] = SquaredDistance(Point(points, n, width), Point(points, first, width));
        for (int c = 1; c < k; c++)
        {
            double total = nearest.Sum();
            int pick = 0;
            if (total > 0)
            {
                // The first point whose running sum passes u·total; points at distance 0 are never drawn.
                double target = SeededHash.Uniform(seed, SeededHash.KMeansStream, c) * total, running = 0;
                pick = -1;
                for (int n = 0; n < count && pick < 0; n++)
                {
                    running += nearest[n];
                    if (nearest[n] > 0 && running >= target) pick = n;
                }
                if (pick < 0) pick = Array.FindLastIndex(nearest, d => d > 0);
            }
            var centre = Point(points, pick, width);
            centre.CopyTo(centres.AsSpan(c * width, width));
            for (int n = 0; n < count; n++) nearest[n] = Math.Min(nearest[n], SquaredDistance(Point(points, n, width), centre));
        }
        return centres;
    }

    private static int Nearest(ReadOnlySpan<float> x, float[] centres, int k, int width)
    {
        int best = 0;
        double bestDistance = double.PositiveInfinity;
        for (int c = 0; c < k; c++)
        {
            double distance = SquaredDistance(x, centres.AsSpan(c * width, width));
            if (distance < bestDistance)
            {
                best = c;
                bestDistance = distance;
            }
        }
        return best;
    }
}
