namespace Energizer.ML.Loop;

/// <summary>Cohen's kappa: agreement of two labelings beyond chance.</summary>
internal static class CohensKappa
{
    /// <summary>
    /// κ = (p_o − p_e) / (1 − p_e), p_o the observed agreement, p_e = Σ_c p_a(c)·p_b(c) the
    /// agreement expected by chance; 1 when both labelings are the same single class.
    /// </summary>
    public static double Of(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        if (a.Count != b.Count) throw new ArgumentException($"Labelings differ in length: {a.Count} vs {b.Count}.");
        if (a.Count == 0) throw new ArgumentException("Kappa needs at least one row.");
        int n = a.Count;
        int agree = 0;
        var countA = new Dictionary<int, int>();
        var countB = new Dictionary<int, int>();
        for (int i = 0; i < n; i++)
        {
            if (a[i] == b[i]) agree++;
            countA[a[i]] = countA.GetValueOrDefault(a[i]) + 1;
            countB[b[i]] = countB.GetValueOrDefault(b[i]) + 1;
        }
        double observed = (double)agree / n;
        double expected = countA.Sum(kv => (double)kv.Value / n * countB.GetValueOrDefault(kv.Key) / n);
        return expected >= 1 ? 1 : (observed - expected) / (1 - expected);
    }
}
