namespace Energizer.ML.Numerics;

/// <summary>
/// Class probabilities of a batch of rows, T×N×C: T stochastic passes (1 for a deterministic
/// learner, K for an ensemble), N rows, C classes, stored row-major as [t][n][c].
/// </summary>
public sealed class ProbabilityTensor
{
    private readonly float[] _values;

    /// <summary>Wraps <paramref name="values"/> (not copied) as a T×N×C tensor.</summary>
    public ProbabilityTensor(float[] values, int iterations, int rows, int classes)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if ((long)iterations * rows * classes != values.Length)
            throw new ArgumentException(
                $"Shape mismatch: T×N×C = {iterations}×{rows}×{classes} = {(long)iterations * rows * classes} values expected, {values.Length} given.",
                nameof(values));
        _values = values;
        Iterations = iterations;
        Rows = rows;
        Classes = classes;
    }

    /// <summary>T: the number of stochastic passes or committee members.</summary>
    public int Iterations { get; }

    /// <summary>N: the number of rows.</summary>
    public int Rows { get; }

    /// <summary>C: the number of classes.</summary>
    public int Classes { get; }

    /// <summary>All values, [t][n][c].</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>The C probabilities of row <paramref name="row"/> in pass <paramref name="iteration"/>.</summary>
    public ReadOnlySpan<float> this[int iteration, int row] =>
        _values.AsSpan(((iteration * Rows) + row) * Classes, Classes);

    /// <summary>The probability of <paramref name="cls"/> for one row in one pass.</summary>
    public float this[int iteration, int row, int cls] => _values[(((iteration * Rows) + row) * Classes) + cls];

    /// <summary>Writes the mean over T of row <paramref name="row"/> into <paramref name="mean"/> (length C).</summary>
    public void MeanOf(int row, Span<double> mean)
    {
        if (mean.Length != Classes) throw new ArgumentException($"Expected {Classes} slots, got {mean.Length}.", nameof(mean));
        mean.Clear();
        for (int t = 0; t < Iterations; t++)
        {
            var p = this[t, row];
            for (int c = 0; c < Classes; c++) mean[c] += p[c];
        }
        for (int c = 0; c < Classes; c++) mean[c] /= Iterations;
    }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming the first row whose probabilities are not
    /// finite, negative, or do not sum to 1 within <paramref name="tolerance"/>.
    /// </summary>
    /// <param name="tolerance">Allowed distance of each row's sum from 1.</param>
    /// <param name="rowIds">Pool row ids of the N rows, for the message; positions in the batch when null.</param>
    public void Validate(double tolerance = 1e-3, IReadOnlyList<long>? rowIds = null)
    {
        for (int t = 0; t < Iterations; t++)
        {
            for (int n = 0; n < Rows; n++)
            {
                var p = this[t, n];
                double sum = 0;
                for (int c = 0; c < Classes; c++)
                {
                    float v = p[c];
                    if (!float.IsFinite(v) || v < 0)
                        throw new ArgumentException($"Row {RowName(n, rowIds)}: probability of class {c} in pass {t} is {v}; probabilities must be finite and non-negative.");
                    sum += v;
                }
                if (Math.Abs(sum - 1) > tolerance)
                    throw new ArgumentException($"Row {RowName(n, rowIds)}: probabilities in pass {t} sum to {sum:R}, not 1 (tolerance {tolerance}).");
            }
        }
    }

    /// <summary>
    /// Divides each row of each pass whose sum is further than <paramref name="beyond"/> from 1
    /// by that sum (rows already <see cref="Validate"/>d: finite, non-negative, sum positive).
    /// </summary>
    internal void RescaleRowsOff(double beyond)
    {
        for (int t = 0; t < Iterations; t++)
        {
            for (int n = 0; n < Rows; n++)
            {
                var p = _values.AsSpan(((t * Rows) + n) * Classes, Classes);
                double sum = 0;
                foreach (float v in p) sum += v;
                if (Math.Abs(sum - 1) <= beyond) continue;
                for (int c = 0; c < Classes; c++) p[c] = (float)(p[c] / sum);
            }
        }
    }

    private static string RowName(int n, IReadOnlyList<long>? rowIds) => rowIds is null ? n.ToString() : rowIds[n].ToString();
}
