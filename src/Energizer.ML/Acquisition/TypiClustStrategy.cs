using System.Globalization;

namespace Energizer.ML.Acquisition;

/// <summary>
/// TypiClust (Hacohen, Dekel and Weinshall 2022), for low budgets: cluster the embeddings of the
/// labelled and unlabelled rows into min(labelled + k, <see cref="MaxClusters"/>) clusters with
/// seeded k-means, then pick, one per cluster, the most typical unlabelled row of the largest
/// clusters that hold the fewest labelled (or already picked) rows. A row's typicality is the
/// inverse of its mean distance to its K nearest neighbours in its cluster,
/// K = min(<see cref="Neighbours"/>, cluster size / 2), at least 1.
/// </summary>
/// <remarks>
/// Clusters smaller than <see cref="MinClusterSize"/> come after every larger one, however many
/// picks those hold (the paper drops them; they are kept here so that k rows can always be picked). Ties go to the lower cluster index, then to the
/// lower row id. It chooses among every unlabelled row (<see cref="PicksFromWholePool"/>), reads no
/// probabilities, and its pre-filter <see cref="Score"/> is 0 for every row.
/// </remarks>
public sealed class TypiClustStrategy : AcquisitionStrategy
{
    internal TypiClustStrategy(int? seed, int neighbours, int maxClusters, int minClusterSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(neighbours, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxClusters, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minClusterSize, 1);
        Seed = seed;
        Neighbours = neighbours;
        MaxClusters = maxClusters;
        MinClusterSize = minClusterSize;
    }

    /// <summary>The seed of the k-means++ seeding; null takes the active-learning loop's <c>Seed</c> (0 outside a loop).</summary>
    public int? Seed { get; }

    /// <summary>K of the typicality: the nearest neighbours whose mean distance is inverted. The paper's 20.</summary>
    public int Neighbours { get; }

    /// <summary>The most clusters k-means makes. The paper's 500.</summary>
    public int MaxClusters { get; }

    /// <summary>Clusters with fewer rows are picked from only when no larger cluster has an unlabelled row left. The paper's 5.</summary>
    public int MinClusterSize { get; }

    /// <inheritdoc />
    public override string Name => "TypiClust";

    /// <inheritdoc />
    public override string Fingerprint => string.Create(CultureInfo.InvariantCulture,
        $"TypiClust(seed={Seed?.ToString(CultureInfo.InvariantCulture) ?? "the loop's"}, neighbours={Neighbours}, maxClusters={MaxClusters}, minClusterSize={MinClusterSize})");

    /// <inheritdoc />
    internal override AcquisitionStrategy ForRun(int runSeed) => Seed is null ? new TypiClustStrategy(runSeed, Neighbours, MaxClusters, MinClusterSize) : this;

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
        var points = Points(candidates, labelledEmbeddings, labelledRows);
        int total = labelledRows + count;
        int clusterCount = Math.Min(Math.Min(labelledRows + k, MaxClusters), total);
        var assignment = KMeans.Cluster(points, total, width, clusterCount, Seed ?? 0);

        // Points 0 … labelledRows − 1 are the labelled rows, then candidate n is point labelledRows + n.
        var members = new List<int>[clusterCount];
        for (int c = 0; c < clusterCount; c++) members[c] = [];
        var covered = new int[clusterCount];
        for (int p = 0; p < total; p++)
        {
            members[assignment[p]].Add(p);
            if (p < labelledRows) covered[assignment[p]]++;
        }
        var picked = new List<int>(k);
        var isPicked = new bool[count];
        for (int i = 0; i < k; i++)
        {
            int cluster = -1;
            for (int c = 0; c < clusterCount; c++)
            {
                if (!members[c].Exists(p => p >= labelledRows && !isPicked[p - labelledRows])) continue;
                if (cluster < 0 || Before(members[c].Count, covered[c], members[cluster].Count, covered[cluster])) cluster = c;
            }
            int row = MostTypical(points, width, members[cluster], labelledRows, isPicked, candidates.RowIds);
            picked.Add(row);
            isPicked[row] = true;
            covered[cluster]++;
        }
        return [.. picked];
    }

    /// <summary>Whether a cluster (size, covered rows) comes before another: big enough first, then fewer covered, then larger.</summary>
    private bool Before(int size, int covered, int otherSize, int otherCovered)
    {
        bool small = size < MinClusterSize, otherSmall = otherSize < MinClusterSize;
        if (small != otherSmall) return !small;
        if (covered != otherCovered) return covered < otherCovered;
        return size > otherSize;
    }

    /// <summary>The unpicked candidate of a cluster with the highest typicality (ties to the lower row id), as a candidate position.</summary>
    private int MostTypical(float[] points, int width, List<int> cluster, int labelledRows, bool[] isPicked, long[] rowIds)
    {
        int neighbours = Math.Max(1, Math.Min(Neighbours, cluster.Count / 2));
        int best = -1;
        double bestTypicality = double.NegativeInfinity;
        var distances = new double[cluster.Count - 1];
        foreach (int p in cluster)
        {
            if (p < labelledRows || isPicked[p - labelledRows]) continue;
            double typicality = 0;
            if (distances.Length > 0)
            {
                int j = 0;
                foreach (int q in cluster)
                    if (q != p) distances[j++] = KMeans.Distance(KMeans.Point(points, p, width), KMeans.Point(points, q, width));
                Array.Sort(distances);
                int used = Math.Min(neighbours, distances.Length);
                double sum = 0;
                for (int i = 0; i < used; i++) sum += distances[i];
                typicality = 1 / ((sum / used) + 1e-12);
            }
            int n = p - labelledRows;
            if (best < 0 || typicality > bestTypicality || (typicality == bestTypicality && rowIds[n] < rowIds[best]))
            {
                best = n;
                bestTypicality = typicality;
            }
        }
        return best;
    }

    /// <summary>The labelled embeddings, then the candidates', as one row-major array.</summary>
    internal static float[] Points(AcquisitionBatch candidates, ReadOnlyMemory<float>? labelledEmbeddings, int labelledRows)
    {
        int width = candidates.EmbeddingSize;
        var points = new float[(labelledRows + candidates.Count) * width];
        if (labelledRows > 0) labelledEmbeddings!.Value.Span.CopyTo(points);
        candidates.Embeddings.AsSpan().CopyTo(points.AsSpan(labelledRows * width));
        return points;
    }
}
