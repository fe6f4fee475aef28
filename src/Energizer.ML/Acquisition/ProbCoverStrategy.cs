using System.Globalization;
using Energizer.ML.Numerics;

namespace Energizer.ML.Acquisition;

/// <summary>
/// ProbCover (Yehuda, Dekel, Hacohen and Weinshall 2022), for low budgets: greedy maximum coverage
/// of δ-balls in embedding space. A row covers every row closer than δ (itself included); rows
/// closer than δ to a labelled row are covered from the start; each pick is the unlabelled row
/// whose ball holds the most uncovered rows (ties to the lower row id). Once every row is covered,
/// the remaining picks are a seeded random draw, as in the paper.
/// </summary>
/// <remarks>
/// δ is <see cref="Delta"/> when given; otherwise the paper's choice: the largest δ whose purity is
/// at least <see cref="Purity"/>, where k-means (seeded, <see cref="Clusters"/> clusters, by default
/// the class count) labels the labelled and unlabelled rows and a row is pure when no row of another
/// cluster is closer than δ. A row x stays pure up to δₓ, its distance to the nearest row of another
/// cluster, so that δ is the ⌈purity·n⌉-th largest δₓ: no grid search is needed. Time and memory are
/// O(n²) in the rows (labelled and unlabelled). It chooses among every unlabelled row
/// (<see cref="PicksFromWholePool"/>), reads no probabilities, and its pre-filter <see cref="Score"/> is 0.
/// </remarks>
public sealed class ProbCoverStrategy : AcquisitionStrategy
{
    internal ProbCoverStrategy(double? delta, double purity, int? clusters, int? seed)
    {
        if (delta is { } d && !(d > 0)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "delta must be positive.");
        if (!(purity > 0 && purity <= 1)) throw new ArgumentOutOfRangeException(nameof(purity), purity, "purity must be in (0, 1].");
        if (clusters is < 2) throw new ArgumentOutOfRangeException(nameof(clusters), clusters, "clusters must be at least 2.");
        Delta = delta;
        Purity = purity;
        Clusters = clusters;
        Seed = seed;
    }

    /// <summary>The ball radius δ; null chooses it from <see cref="Purity"/>.</summary>
    public double? Delta { get; }

    /// <summary>The smallest share of pure rows δ may leave (the paper's α; 0.75 by default, the paper's 0.95 by choice).</summary>
    public double Purity { get; }

    /// <summary>The k-means clusters that judge purity; null takes the class count of the probabilities.</summary>
    public int? Clusters { get; }

    /// <summary>The seed of k-means and of the picks once all is covered; null takes the loop's <c>Seed</c> (0 outside a loop).</summary>
    public int? Seed { get; }

    /// <inheritdoc />
    public override string Name => "ProbCover";

    /// <inheritdoc />
    public override string Fingerprint => string.Create(CultureInfo.InvariantCulture,
        $"ProbCover(delta={Delta?.ToString("R", CultureInfo.InvariantCulture) ?? "from purity"}, purity={Purity:R}, clusters={Clusters?.ToString(CultureInfo.InvariantCulture) ?? "the classes"}, seed={Seed?.ToString(CultureInfo.InvariantCulture) ?? "the loop's"})");

    /// <inheritdoc />
    internal override AcquisitionStrategy ForRun(int runSeed) => Seed is null ? new ProbCoverStrategy(Delta, Purity, Clusters, runSeed) : this;

    /// <inheritdoc />
    public override bool IsBatchAware => true;

    /// <inheritdoc />
    public override bool NeedsEmbeddings => true;

    /// <inheritdoc />
    public override bool PicksFromWholePool => true;

    /// <inheritdoc />
    public override void Score(AcquisitionBatch batch, Span<float> scores)
    {
        CheckBatch(batch, scores);
        scores.Clear();
    }

    /// <inheritdoc />
    public override int[] Select(AcquisitionBatch candidates, int k, ReadOnlyMemory<float>? labelledEmbeddings = null)
    {
        CheckBatch(candidates);
        CheckK(k, candidates.Count);
        RequireEmbeddings(candidates);
        int width = candidates.EmbeddingSize, count = candidates.Count;
        int labelledRows = CountLabelledRows(labelledEmbeddings, width);
        var points = TypiClustStrategy.Points(candidates, labelledEmbeddings, labelledRows);
        double delta = Delta ?? ChooseDelta(points, labelledRows + count, width, Clusters ?? candidates.Probabilities.Classes);

        // Candidate n is point labelledRows + n; neighbours[n] lists the candidates in n's ball.
        var covered = new bool[count];
        var neighbours = new List<int>[count];
        for (int n = 0; n < count; n++)
        {
            neighbours[n] = [];
            var x = KMeans.Point(points, labelledRows + n, width);
            for (int l = 0; l < labelledRows && !covered[n]; l++)
                covered[n] = Distance(x, KMeans.Point(points, l, width)) < delta;
        }
        for (int n = 0; n < count; n++)
        {
            for (int m = n; m < count; m++)
            {
                if (Distance(KMeans.Point(points, labelledRows + n, width), KMeans.Point(points, labelledRows + m, width)) >= delta) continue;
                neighbours[n].Add(m);
                if (m != n) neighbours[m].Add(n);
            }
        }
        var uncoveredInBall = new int[count];
        for (int n = 0; n < count; n++)
            foreach (int m in neighbours[n]) if (!covered[m]) uncoveredInBall[n]++;

        var picked = new int[k];
        var isPicked = new bool[count];
        for (int i = 0; i < k; i++)
        {
            int best = -1;
            for (int n = 0; n < count; n++)
            {
                if (isPicked[n]) continue;
                if (best < 0 || uncoveredInBall[n] > uncoveredInBall[best] || (uncoveredInBall[n] == uncoveredInBall[best] && candidates.RowIds[n] < candidates.RowIds[best]))
                    best = n;
            }
            if (uncoveredInBall[best] == 0) best = RandomUnpicked(isPicked, candidates.RowIds);
            picked[i] = best;
            isPicked[best] = true;
            foreach (int m in neighbours[best])
            {
                if (covered[m]) continue;
                covered[m] = true;
                foreach (int j in neighbours[m]) uncoveredInBall[j]--;
            }
        }
        return picked;
    }

    /// <summary>
    /// The largest δ whose purity is at least <see cref="Purity"/>: the ⌈purity·n⌉-th largest
    /// distance from a point to the nearest point of another k-means cluster (+∞ when k-means
    /// finds a single cluster).
    /// </summary>
    internal double ChooseDelta(float[] points, int count, int width, int clusters)
    {
        if (clusters < 2)
            throw new ArgumentException(
                "ProbCover chooses δ from the purity of k-means clusters, one per class, but the rows' probabilities have one class "
                + "(no model has been fitted yet): give the class count (clusters) or δ (delta).", nameof(clusters));
        var assignment = KMeans.Cluster(points, count, width, Math.Min(clusters, count), Seed ?? 0);
        var pureUpTo = new double[count];
        for (int n = 0; n < count; n++)
        {
            pureUpTo[n] = double.PositiveInfinity;
            for (int m = 0; m < count; m++)
                if (assignment[m] != assignment[n]) pureUpTo[n] = Math.Min(pureUpTo[n], Distance(KMeans.Point(points, n, width), KMeans.Point(points, m, width)));
        }
        Array.Sort(pureUpTo, (a, b) => b.CompareTo(a));
        int rank = Math.Max(1, (int)Math.Ceiling((Purity * count) - 1e-9));
        return Math.Max(pureUpTo[rank - 1], double.Epsilon);
    }

    private int RandomUnpicked(bool[] isPicked, long[] rowIds)
    {
        int best = -1;
        double bestDraw = -1;
        for (int n = 0; n < isPicked.Length; n++)
        {
            if (isPicked[n]) continue;
            double draw = SeededHash.Uniform(Seed ?? 0, SeededHash.CoveredStream, rowIds[n]);
            if (draw > bestDraw)
            {
                best = n;
                bestDraw = draw;
            }
        }
        return best;
    }

    private static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => KMeans.Distance(a, b);
}
