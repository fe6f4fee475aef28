using Energizer.ML.Numerics;

namespace Energizer.ML.Acquisition;

/// <summary>Entropy and friends in nats, with 0·log 0 = 0, accumulated in double.</summary>
internal static class InformationMath
{
    /// <summary>−x·ln x, 0 at x = 0.</summary>
    public static double NegXLogX(double x) => x > 0 ? -x * Math.Log(x) : 0;

    /// <summary>H(p) = −Σ p ln p.</summary>
    public static double Entropy(ReadOnlySpan<double> p)
    {
        double h = 0;
        foreach (double v in p) h += NegXLogX(v);
        return h;
    }

    /// <summary>H(p) = −Σ p ln p.</summary>
    public static double Entropy(ReadOnlySpan<float> p)
    {
        double h = 0;
        foreach (float v in p) h += NegXLogX(v);
        return h;
    }

    /// <summary>Mean over the T passes of the entropy of each pass.</summary>
    public static double ExpectedEntropy(ProbabilityTensor probabilities, int row)
    {
        double sum = 0;
        for (int t = 0; t < probabilities.Iterations; t++) sum += Entropy(probabilities[t, row]);
        return sum / probabilities.Iterations;
    }

    /// <summary>Index of the largest value; the lowest index among ties.</summary>
    public static int ArgMax(ReadOnlySpan<float> p)
    {
        int best = 0;
        for (int c = 1; c < p.Length; c++) if (p[c] > p[best]) best = c;
        return best;
    }

    /// <summary>Index of the largest value; the lowest index among ties.</summary>
    public static int ArgMax(ReadOnlySpan<double> p)
    {
        int best = 0;
        for (int c = 1; c < p.Length; c++) if (p[c] > p[best]) best = c;
        return best;
    }

    /// <summary>Squared Euclidean distance.</summary>
    public static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = (double)a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }
}
