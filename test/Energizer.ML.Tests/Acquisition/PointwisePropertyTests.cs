using CsCheck;
using Energizer.ML.Acquisition;
using Energizer.ML.Numerics;
using static Energizer.ML.Tests.Acquisition.Tensors;

namespace Energizer.ML.Tests.Acquisition;

[TestClass]
public sealed class PointwisePropertyTests
{
    private const double Slack = 1e-5;
    private const long Iterations = 300;

    private static void ForAll(Action<ProbabilityTensor, AcquisitionBatch> check) =>
        Probabilities().Sample(p => check(p, BatchOf(p)), iter: Iterations, threads: 1);

    [TestMethod]
    public void EntropiesAreBetweenZeroAndLnCAndExpectedEntropyNeverExceedsEntropy()
    {
        ForAll((p, batch) =>
        {
            var entropy = Scores(AcquisitionStrategy.Entropy, batch);
            var expected = Scores(AcquisitionStrategy.ExpectedEntropy, batch);
            for (int n = 0; n < p.Rows; n++)
            {
                Assert.IsTrue(entropy[n] >= 0 && entropy[n] <= Math.Log(p.Classes) + Slack, $"H = {entropy[n]}, C = {p.Classes}");
                Assert.IsTrue(expected[n] >= 0 && expected[n] <= entropy[n] + Slack, $"E[H] = {expected[n]} > H = {entropy[n]}");
            }
        });
    }

    [TestMethod]
    public void EntropyIsMaximalAtTheUniformDistribution()
    {
        for (int classes = 1; classes <= 6; classes++)
        {
            var uniform = Batch([Constant(1, [.. Enumerable.Repeat(1f / classes, classes)])]);
            Assert.AreEqual(Math.Log(classes), Scores(AcquisitionStrategy.Entropy, uniform)[0], 1e-6);
        }
    }

    [TestMethod]
    public void BaldIsBetweenZeroAndLnCAndEqualsKlToConsensus()
    {
        ForAll((p, batch) =>
        {
            var bald = Scores(AcquisitionStrategy.Bald, batch);
            var entropy = Scores(AcquisitionStrategy.Entropy, batch);
            var kl = Scores(AcquisitionStrategy.KlToConsensus, batch);
            for (int n = 0; n < p.Rows; n++)
            {
                Assert.IsTrue(bald[n] >= 0 && bald[n] <= Math.Log(p.Classes) + Slack && bald[n] <= entropy[n] + Slack, $"BALD = {bald[n]}");
                Assert.AreEqual(bald[n], kl[n], 1e-5, "mean KL to the consensus is the mutual information");
                if (p.Iterations == 1) Assert.AreEqual(0f, bald[n]);
            }
        });
    }

    [TestMethod]
    public void MarginAndLeastConfidenceFollowTheirDefinitionsWithinTheirRanges()
    {
        ForAll((p, batch) =>
        {
            var margin = Scores(AcquisitionStrategy.Margin, batch);
            var least = Scores(AcquisitionStrategy.LeastConfidence, batch);
            var mean = new double[p.Classes];
            for (int n = 0; n < p.Rows; n++)
            {
                // By the definitions, on the mean over passes: margin 1 − (p₁ − p₂), least confidence 1 − p₁
                // (p₂ = 0 with one class).
                p.MeanOf(n, mean);
                var sorted = mean.OrderDescending().ToArray();
                double p1 = sorted[0], p2 = sorted.Length > 1 ? sorted[1] : 0;
                Assert.AreEqual(1 - (p1 - p2), margin[n], Slack, $"margin of row {n}");
                Assert.AreEqual(1 - p1, least[n], Slack, $"least confidence of row {n}");
                Assert.IsTrue(margin[n] is >= 0 and <= 1, $"margin {margin[n]}");
                Assert.IsTrue(least[n] >= 0 && least[n] <= 1 - (1.0 / p.Classes) + Slack, $"least confidence {least[n]}");
                Assert.IsTrue(margin[n] >= least[n] - Slack, "1 − (p₁ − p₂) ≥ 1 − p₁");
            }
        });
    }

    [TestMethod]
    public void CommitteeScoresFollowTheirDefinitionsWithinTheirRanges()
    {
        ForAll((p, batch) =>
        {
            var ratios = Scores(AcquisitionStrategy.VariationRatios, batch);
            var votes = Scores(AcquisitionStrategy.VoteEntropy, batch);
            var std = Scores(AcquisitionStrategy.MeanStd, batch);
            for (int n = 0; n < p.Rows; n++)
            {
                // 1 − the modal class's share of the T votes (each pass votes for its arg-max).
                var votesPerClass = new int[p.Classes];
                for (int t = 0; t < p.Iterations; t++)
                {
                    var pass = p[t, n];
                    int best = 0;
                    for (int c = 1; c < p.Classes; c++) if (pass[c] > pass[best]) best = c;
                    votesPerClass[best]++;
                }
                Assert.AreEqual(1 - ((double)votesPerClass.Max() / p.Iterations), ratios[n], Slack, $"variation ratio of row {n}");
                Assert.IsTrue(ratios[n] >= 0 && ratios[n] <= 1 - (1.0 / p.Iterations) + Slack, $"variation ratio {ratios[n]}, T = {p.Iterations}");
                Assert.IsTrue(votes[n] >= 0 && votes[n] <= Math.Log(Math.Min(p.Classes, p.Iterations)) + Slack, $"vote entropy {votes[n]}");
                Assert.IsTrue(std[n] >= 0 && std[n] <= 0.5 + Slack, $"mean std {std[n]}");
            }
        });
    }
}
