using CsCheck;
using Energizer.ML.Acquisition;
using Energizer.ML.Numerics;
using static Energizer.ML.Tests.Acquisition.Tensors;

namespace Energizer.ML.Tests.Acquisition;

[TestClass]
public sealed class BatchBaldTests
{
    // T = 4 passes. A and A2 agree with each other pass by pass; B splits the passes the other way.
    // A: [.9,.1],[.9,.1],[.1,.9],[.1,.9]   BALD = ln 2 − H(.9,.1) = 0.368064
    // A2: the same as A                    BALD = 0.368064
    // B: [.8,.2],[.2,.8],[.8,.2],[.2,.8]   BALD = ln 2 − H(.8,.2) = 0.192745
    private static AcquisitionBatch Redundant() => Batch(
    [
        Row([0.9f, 0.1f], [0.9f, 0.1f], [0.1f, 0.9f], [0.1f, 0.9f]),
        Row([0.9f, 0.1f], [0.9f, 0.1f], [0.1f, 0.9f], [0.1f, 0.9f]),
        Row([0.8f, 0.2f], [0.2f, 0.8f], [0.8f, 0.2f], [0.2f, 0.8f]),
    ]);

    [TestMethod]
    public void AvoidsTheRedundantRowThatBaldTakes()
    {
        // Second pick after A:
        //  I(A, A2): p(yA, yA2) = ¼ Σ_t p_t(yA) p_t(yA2) = (0,0): ¼(.81+.81+.01+.01) = .41, (1,1): .41, (0,1) = (1,0) = .09;
        //    H = 2·.41·ln(1/.41) + 2·.09·ln(1/.09) = 0.731110 + 0.433430 = 1.164541; minus 2·0.325083 → 0.514375.
        //  I(A, B): every pair has ¼(.72+.18+.08+.02) = .25 → H = ln 4 = 1.386294; minus 0.325083 + 0.500402 → 0.560809.
        // So BatchBALD takes B (0.560809 > 0.514375) where BALD takes the second copy of A.
        var batch = Redundant();
        CollectionAssert.AreEqual(new[] { 0, 1 }, AcquisitionStrategy.Bald.Select(batch, 2));
        CollectionAssert.AreEqual(new[] { 0, 2 }, AcquisitionStrategy.BatchBald().Select(batch, 2));
        CollectionAssert.AreEqual(new[] { 0, 2, 1 }, AcquisitionStrategy.BatchBald().Select(batch, 3));
    }

    [TestMethod]
    public void ExactJointEntropyMatchesTheHandValues()
    {
        var batch = Redundant();
        var rows = Enumerable.Range(0, 3).Select(n => JointEntropy.RowProbabilities(batch.Probabilities, n)).ToArray();
        var scratch = new double[2];
        var withA = JointEntropy.Empty(4).WithExact(rows[0], 2);
        Assert.AreEqual(1.1645407, withA.EntropyWith(rows[1], 2, scratch), 1e-6);
        Assert.AreEqual(Math.Log(4), withA.EntropyWith(rows[2], 2, scratch), 1e-6);
        // With nothing picked, the joint entropy is the entropy of the mean: ln 2.
        Assert.AreEqual(Math.Log(2), JointEntropy.Empty(4).EntropyWith(rows[2], 2, scratch), 1e-6);
    }

    [TestMethod]
    public void ExactJointEntropyEqualsBruteForceEnumeration()
    {
        Tensors.Probabilities(minT: 1, maxT: 3, maxN: 4, maxC: 3).Sample(p =>
        {
            var rows = Enumerable.Range(0, p.Rows).Select(n => JointEntropy.RowProbabilities(p, n)).ToArray();
            var joint = JointEntropy.Empty(p.Iterations);
            for (int last = 0; last < p.Rows; last++)
            {
                double actual = joint.EntropyWith(rows[last], p.Classes, new double[p.Classes]);
                Assert.AreEqual(BruteForceJointEntropy(p, last + 1), actual, 1e-9, $"first {last + 1} rows");
                joint = joint.WithExact(rows[last], p.Classes);
            }
        }, iter: 300, threads: 1);
    }

    /// <summary>H(y_0..y_{n−1}) = −Σ_y p(y) ln p(y), p(y) = (1/T) Σ_t Π_j p_t,j(y_j), over all Cⁿ configurations.</summary>
    private static double BruteForceJointEntropy(ProbabilityTensor p, int rows)
    {
        int configurations = (int)Math.Pow(p.Classes, rows);
        double entropy = 0;
        for (int config = 0; config < configurations; config++)
        {
            double probability = 0;
            for (int t = 0; t < p.Iterations; t++)
            {
                double product = 1;
                for (int j = 0, rest = config; j < rows; j++, rest /= p.Classes) product *= p[t, j, rest % p.Classes];
                probability += product / p.Iterations;
            }
            if (probability > 0) entropy -= probability * Math.Log(probability);
        }
        return entropy;
    }

    [TestMethod]
    public void SampledJointEntropyEstimatesTheExactOne()
    {
        // T = 3, C = 3, four rows: the sampled estimate of H(y0, y1, y2, y3) from 30000 configurations
        // should be near the exact value (its standard error is far below the 0.02 allowed).
        var p = Batch(
        [
            Row([0.7f, 0.2f, 0.1f], [0.1f, 0.8f, 0.1f], [0.3f, 0.3f, 0.4f]),
            Row([0.2f, 0.2f, 0.6f], [0.5f, 0.4f, 0.1f], [0.9f, 0.05f, 0.05f]),
            Row([0.4f, 0.4f, 0.2f], [0.1f, 0.1f, 0.8f], [0.6f, 0.3f, 0.1f]),
            Row([0.3f, 0.6f, 0.1f], [0.2f, 0.2f, 0.6f], [0.1f, 0.7f, 0.2f]),
        ]).Probabilities;
        var rows = Enumerable.Range(0, 4).Select(n => JointEntropy.RowProbabilities(p, n)).ToArray();
        var sampled = JointEntropy.Sampled(rows[..3], 3, 3, 30000, seed: 1, stream: 7);
        double estimate = sampled.EntropyWith(rows[3], 3, new double[3]);
        Assert.AreEqual(BruteForceJointEntropy(p, 4), estimate, 0.02);
    }

    [TestMethod]
    public void SampledEstimateIsUnbiasedWhenTheSamplesAreNotAMultipleOfThePasses()
    {
        // T = 2, picked row A: pass 0 [1, 0], pass 1 [.5, .5]; new row B: pass 0 [1, 0], pass 1 [0, 1].
        // p(y_A = 0) = (1 + .5)/2 = .75, p(y_A = 1) = .25.
        // q(r, c) = ½ Σ_t P_r[t] p_t,B(c): r = 0: ½(1·[1, 0] + .5·[0, 1]) = [.5, .25]; r = 1: ½(0 + .5·[0, 1]) = [0, .25].
        // Exact H(y_A, y_B) = −(.5 ln .5 + 2·.25 ln .25) = 1.5 ln 2 = 1.039721.
        // One sample (M = 1, so M mod T = 1) estimates H by −(1/p(r)) Σ_c q ln q:
        //   r = 0: −(.5 ln .5 + .25 ln .25)/.75 = 0.924196;  r = 1: −.25 ln .25/.25 = ln 4 = 1.386294.
        // Drawing r from p(r) the mean is .75·0.924196 + .25·1.386294 = 1.039721, the exact value. Taking pass
        // m mod T = 0 for the only sample always draws r = 0 and estimates 0.924196 whatever the seed.
        var rows = new[] { new double[] { 1, 0, 0.5, 0.5 } };
        double[] newRow = [1, 0, 0, 1];
        const double R0 = 0.924196, R1 = 1.386294, Exact = 1.039721;
        var estimates = Enumerable.Range(0, 4000)
            .Select(seed => JointEntropy.Sampled(rows, 2, 2, 1, seed, stream: 7).EntropyWith(newRow, 2, new double[2]))
            .ToArray();
        foreach (double estimate in estimates)
            Assert.IsTrue(Math.Abs(estimate - R0) < 1e-6 || Math.Abs(estimate - R1) < 1e-6, $"estimate {estimate} is neither r = 0's nor r = 1's");
        // The estimates' standard deviation is (R1 − R0)·√(.75·.25) = 0.2; the mean of 4000 is within 0.0032 (one SE).
        Assert.AreEqual(Exact, estimates.Average(), 0.015);
    }

    [TestMethod]
    public void SampledEstimateConvergesToTheExactJointEntropy()
    {
        // For random tensors, the mean over seeds of estimates from M = T + 1 samples (never a multiple of T)
        // must approach the brute-force joint entropy: within five standard errors of that mean.
        Tensors.Probabilities(minT: 2, maxT: 4, maxN: 3, maxC: 3).Where(p => p.Rows >= 2).Sample(p =>
        {
            var rows = Enumerable.Range(0, p.Rows).Select(n => JointEntropy.RowProbabilities(p, n)).ToArray();
            var estimates = Enumerable.Range(0, 1000)
                .Select(seed => JointEntropy.Sampled(rows[..^1], p.Iterations, p.Classes, p.Iterations + 1, seed, stream: 3)
                    .EntropyWith(rows[^1], p.Classes, new double[p.Classes]))
                .ToArray();
            double mean = estimates.Average();
            double standardError = Math.Sqrt(estimates.Sum(e => (e - mean) * (e - mean)) / (estimates.Length - 1) / estimates.Length);
            double exact = BruteForceJointEntropy(p, p.Rows);
            Assert.AreEqual(exact, mean, (5 * standardError) + 1e-9, $"T = {p.Iterations}, C = {p.Classes}, N = {p.Rows}");
        }, iter: 100, threads: 1);
    }

    [TestMethod]
    public void FirstPickIsBaldsTopRowAndPicksAreDistinct()
    {
        Tensors.Probabilities(minT: 2, maxN: 8, maxC: 3).Sample(p =>
        {
            var batch = BatchOf(p);
            var bald = Scores(AcquisitionStrategy.Bald, batch);
            int k = Math.Min(4, p.Rows);
            // Samples = 4 forces the sampled estimate after the first or second pick.
            foreach (var strategy in new[] { AcquisitionStrategy.BatchBald(), AcquisitionStrategy.BatchBald(samples: 4, seed: 2) })
            {
                var picks = strategy.Select(batch, k);
                Assert.AreEqual(k, picks.Distinct().Count());
                Assert.IsTrue(bald[picks[0]] >= bald.Max() - 1e-6, $"first pick's BALD {bald[picks[0]]} < top BALD {bald.Max()}");
            }
        }, iter: 200, threads: 1);
    }

    [TestMethod]
    public void TheSameSeedGivesTheSamePicks()
    {
        var batch = BatchOf(Fixed(iterations: 3, rows: 12, classes: 3, seed: 1));
        CollectionAssert.AreEqual(AcquisitionStrategy.BatchBald(samples: 5, seed: 3).Select(batch, 6), AcquisitionStrategy.BatchBald(samples: 5, seed: 3).Select(batch, 6));
    }

    [TestMethod]
    public void OnePassIsRejectedNamingTheIterations()
    {
        var batch = Batch([Constant(1, 0.5f, 0.5f), Constant(1, 0.9f, 0.1f)]);
        var error = Assert.Throws<ArgumentException>(() => AcquisitionStrategy.BatchBald().Select(batch, 1));
        StringAssert.Contains(error.Message, "T = 1");
        StringAssert.Contains(error.Message, "iterations");
        Assert.Throws<ArgumentException>(() => AcquisitionStrategy.BatchBald().Score(batch, new float[2]));
    }
}
