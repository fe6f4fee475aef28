using Energizer.ML.Numerics;

namespace Energizer.ML.Acquisition;

/// <summary>
/// The joint label distribution of a set of picked rows under T equally likely parameter draws ω_t,
/// kept as configurations r of the picked rows' classes with P_r[t] = Π_j p_t,j(y_j), so that the
/// joint entropy with one more row i is H = −Σ_r a_r Σ_c q_rc ln q_rc, q_rc = (1/T) Σ_t P_r[t] p_t,i(c).
/// Exact: every configuration with a_r = 1. Sampled (Kirsch et al. 2019, eq. 12): M configurations
/// drawn from the joint with a_r = 1 / (M·p(r)), an importance-weighted estimate.
/// Each P_r is stored divided by its largest entry, with the log of that factor kept apart, so long
/// products do not underflow.
/// </summary>
internal sealed class JointEntropy
{
    private readonly int _iterations;
    private readonly double[] _products; // R×T, each row scaled to a maximum of 1
    private readonly double[] _logScales; // R
    private readonly double[] _weights; // R: for sampled rows a_r·exp(log scale) = 1 / (M·mean_t scaled P_r[t]); unused when exact
    private readonly bool _sampled;

    private JointEntropy(int iterations, double[] products, double[] logScales, double[] weights, bool sampled)
    {
        _iterations = iterations;
        _products = products;
        _logScales = logScales;
        _weights = weights;
        _sampled = sampled;
    }

    /// <summary>The number of configurations r kept.</summary>
    public int Configurations => _logScales.Length;

    /// <summary>The distribution of no rows: one configuration with probability 1 under every ω.</summary>
    public static JointEntropy Empty(int iterations) =>
        new(iterations, Enumerable.Repeat(1.0, iterations).ToArray(), [0.0], [1.0], sampled: false);

    /// <summary>The T×C probabilities of one row, [t][c], in double.</summary>
    public static double[] RowProbabilities(ProbabilityTensor probabilities, int row)
    {
        int classes = probabilities.Classes;
        var result = new double[probabilities.Iterations * classes];
        for (int t = 0; t < probabilities.Iterations; t++)
        {
            var p = probabilities[t, row];
            for (int c = 0; c < classes; c++) result[(t * classes) + c] = p[c];
        }
        return result;
    }

    /// <summary>Exact: every configuration of this set extended by each class of a row (T×C probabilities); impossible ones dropped.</summary>
    public JointEntropy WithExact(ReadOnlySpan<double> row, int classes)
    {
        if (_sampled) throw new InvalidOperationException("A sampled joint distribution cannot be extended exactly.");
        var products = new List<double>(_products.Length * classes);
        var logScales = new List<double>(Configurations * classes);
        var next = new double[_iterations];
        for (int r = 0; r < Configurations; r++)
        {
            var current = _products.AsSpan(r * _iterations, _iterations);
            for (int c = 0; c < classes; c++)
            {
                double max = 0;
                for (int t = 0; t < _iterations; t++)
                {
                    next[t] = current[t] * row[(t * classes) + c];
                    max = Math.Max(max, next[t]);
                }
                if (max == 0) continue;
                for (int t = 0; t < _iterations; t++) products.Add(next[t] / max);
                logScales.Add(_logScales[r] + Math.Log(max));
            }
        }
        return new JointEntropy(_iterations, [.. products], [.. logScales], Enumerable.Repeat(1.0, logScales.Count).ToArray(), sampled: false);
    }

    /// <summary>
    /// Sampled: <paramref name="samples"/> configurations of the rows (each T×C) drawn from their joint,
    /// with seeded uniforms from <paramref name="stream"/>. The pass ω of sample m is m mod T for the whole
    /// rounds of T samples and a uniform draw for the M mod T left over.
    /// </summary>
    /// <remarks>
    /// The weights 1/(M·p(r)) make the estimate unbiased only when the samples' passes are, on average, uniform.
    /// A whole round visits every pass once, so its mean is unbiased with less variance than independent draws;
    /// a partial round would give its first passes one sample too many (biased when M mod T ≠ 0, e.g. the
    /// default M = 1000 with T = 30), so its samples draw their pass uniformly instead.
    /// </remarks>
    public static JointEntropy Sampled(IReadOnlyList<double[]> rows, int iterations, int classes, int samples, int seed, ulong stream)
    {
        var products = new double[samples * iterations];
        var logScales = new double[samples];
        var weights = new double[samples];
        var chosen = new int[rows.Count];
        int stratified = samples - (samples % iterations);
        long draw = 0;
        for (int m = 0; m < samples; m++)
        {
            int omega = m < stratified ? m % iterations : UniformPass(SeededHash.Uniform(seed, stream, draw++), iterations);
            for (int j = 0; j < rows.Count; j++)
                chosen[j] = DrawClass(rows[j].AsSpan(omega * classes, classes), SeededHash.Uniform(seed, stream, draw++));
            var product = products.AsSpan(m * iterations, iterations);
            product.Fill(1);
            for (int j = 0; j < rows.Count; j++)
            {
                double max = 0;
                for (int t = 0; t < iterations; t++)
                {
                    product[t] *= rows[j][(t * classes) + chosen[j]];
                    max = Math.Max(max, product[t]);
                }
                // max > 0: the drawn class has positive probability in pass omega.
                for (int t = 0; t < iterations; t++) product[t] /= max;
                logScales[m] += Math.Log(max);
            }
            double scaledProbability = 0;
            foreach (double v in product) scaledProbability += v;
            scaledProbability /= iterations;
            weights[m] = 1 / (samples * scaledProbability);
        }
        return new JointEntropy(iterations, products, logScales, weights, sampled: true);
    }

    /// <summary>
    /// H(picked rows, one more row) for a row's T×C probabilities; <paramref name="joint"/> is scratch of length C.
    /// </summary>
    public double EntropyWith(ReadOnlySpan<double> row, int classes, Span<double> joint)
    {
        double entropy = 0;
        for (int r = 0; r < Configurations; r++)
        {
            joint.Clear();
            var product = _products.AsSpan(r * _iterations, _iterations);
            for (int t = 0; t < _iterations; t++)
            {
                double w = product[t];
                if (w == 0) continue;
                var p = row.Slice(t * classes, classes);
                for (int c = 0; c < classes; c++) joint[c] += w * p[c];
            }
            // q_rc = exp(logScale)·joint_c / T; Σ_c q ln q = exp(logScale)/T · Σ_c joint_c (logScale + ln(joint_c / T)).
            double logScale = _logScales[r];
            double inner = 0;
            for (int c = 0; c < classes; c++)
            {
                double q = joint[c] / _iterations;
                if (q > 0) inner += q * (logScale + Math.Log(q));
            }
            double factor = _sampled ? _weights[r] : Math.Exp(logScale);
            entropy -= factor * inner;
        }
        return entropy;
    }

    /// <summary>⌊u·T⌋, kept below T: u just under 1 times T can round up to T.</summary>
    private static int UniformPass(double u, int iterations) => Math.Min((int)(u * iterations), iterations - 1);

    private static int DrawClass(ReadOnlySpan<double> p, double u)
    {
        int last = 0;
        double cumulative = 0;
        for (int c = 0; c < p.Length; c++)
        {
            if (p[c] <= 0) continue;
            last = c;
            cumulative += p[c];
            if (u < cumulative) return c;
        }
        return last; // u beyond a sum just under 1 by rounding: the last possible class.
    }
}
