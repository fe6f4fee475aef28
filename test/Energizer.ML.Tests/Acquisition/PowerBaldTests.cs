using CsCheck;
using Energizer.ML.Acquisition;
using static Energizer.ML.Tests.Acquisition.Tensors;

namespace Energizer.ML.Tests.Acquisition;

[TestClass]
public sealed class PowerBaldTests
{
    // BALD of the rows: ln 2 − H(0.9,0.1) = 0.368064; ln 2 − H(0.8,0.2) = 0.192745; ln 2 − H(0.7,0.3) = 0.082283.
    private static readonly double[] BaldOfRows = [0.3680642, 0.1927448, 0.0822826];

    private static AcquisitionBatch ThreeRows() => Batch(
    [
        Row([0.9f, 0.1f], [0.1f, 0.9f]),
        Row([0.8f, 0.2f], [0.2f, 0.8f]),
        Row([0.7f, 0.3f], [0.3f, 0.7f]),
    ]);

    private static double[] PickRates(PowerBaldMode mode, double beta)
    {
        const int Seeds = 3000;
        var batch = ThreeRows();
        var counts = new double[3];
        for (int seed = 0; seed < Seeds; seed++) counts[AcquisitionStrategy.PowerBald(beta, mode, seed).Select(batch, 1)[0]]++;
        return [.. counts.Select(c => c / Seeds)];
    }

    private static void AssertRates(double[] expected, double[] actual)
    {
        // 3000 draws: standard error ≤ 0.009, so 0.035 is about 4 of them.
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 0.035, $"row {i}: expected {expected[i]:F3}, got {actual[i]:F3}");
    }

    [TestMethod]
    public void PowerModeSamplesProportionalToScoreToTheBeta()
    {
        // β = 1: P(row) = s / Σ s = 0.368064 / 0.643092 = 0.572, 0.300, 0.128.
        double total = BaldOfRows.Sum();
        AssertRates([.. BaldOfRows.Select(s => s / total)], PickRates(PowerBaldMode.Power, 1));
        // β = 2: ∝ s²: 0.135471, 0.037151, 0.006770 → 0.751, 0.206, 0.038.
        double squares = BaldOfRows.Sum(s => s * s);
        AssertRates([.. BaldOfRows.Select(s => s * s / squares)], PickRates(PowerBaldMode.Power, 2));
    }

    [TestMethod]
    public void SoftmaxModeSamplesProportionalToExpOfBetaTimesScore()
    {
        // β = 5: exp(5s) = 6.2999, 2.6208, 1.5090 → 0.606, 0.252, 0.145 of 10.4297.
        double total = BaldOfRows.Sum(s => Math.Exp(5 * s));
        AssertRates([.. BaldOfRows.Select(s => Math.Exp(5 * s) / total)], PickRates(PowerBaldMode.Softmax, 5));
    }

    [TestMethod]
    public void SoftrankModeSamplesProportionalToRankToTheMinusBeta()
    {
        // β = 1: ranks 1, 2, 3 → 1, 1/2, 1/3 of 11/6 → 0.545, 0.273, 0.182.
        AssertRates([6.0 / 11, 3.0 / 11, 2.0 / 11], PickRates(PowerBaldMode.Softrank, 1));
        Assert.IsTrue(AcquisitionStrategy.PowerBald(mode: PowerBaldMode.Softrank).IsBatchAware);
        Assert.IsFalse(AcquisitionStrategy.PowerBald().IsBatchAware);
    }

    [TestMethod]
    public void BetaZeroIsUniform()
    {
        AssertRates([1.0 / 3, 1.0 / 3, 1.0 / 3], PickRates(PowerBaldMode.Power, 0));
    }

    [TestMethod]
    public void HugeBetaGivesTheTopKOfBald()
    {
        Tensors.Probabilities(minT: 2).Sample(p =>
        {
            var batch = BatchOf(p);
            var bald = Scores(AcquisitionStrategy.Bald, batch);
            int k = Math.Min(3, p.Rows);
            var expected = AcquisitionStrategy.Bald.Select(batch, k).Select(i => bald[i]).ToArray();
            foreach (var (mode, beta) in new[] { (PowerBaldMode.Power, 1e6), (PowerBaldMode.Softmax, 1e7), (PowerBaldMode.Softrank, 1e6) })
            {
                // Compare the BALD values picked, so rows with (nearly) equal BALD may swap.
                var picked = AcquisitionStrategy.PowerBald(beta, mode, seed: 5).Select(batch, k).Select(i => bald[i]).ToArray();
                CollectionAssert.AreEqual(expected, picked, new ToleranceComparer(1e-4f), $"{mode}");
            }
        }, iter: 200, threads: 1);
    }

    [TestMethod]
    public void NoiseDependsOnTheRowIdNotTheBatch()
    {
        var batch = ThreeRows();
        var strategy = AcquisitionStrategy.PowerBald(seed: 9);
        var whole = Scores(strategy, batch);
        var last = Scores(strategy, batch.Subset([2]));
        Assert.AreEqual(whole[2], last[0]);
    }

    [TestMethod]
    public void PowerModeRejectsNegativeBaseScoresNamingTheRow()
    {
        var combined = AcquisitionStrategy.Combine((AcquisitionStrategy.Entropy, -1));
        var batch = Batch([Constant(1, 0.5f, 0.5f), Constant(1, 0.9f, 0.1f)], ids: [41, 42]);
        var error = Assert.Throws<ArgumentException>(() => AcquisitionStrategy.PowerBald(baseStrategy: combined).Select(batch, 1));
        StringAssert.Contains(error.Message, "Row 41");
        StringAssert.Contains(error.Message, "Softmax");
        Assert.Throws<ArgumentOutOfRangeException>(() => AcquisitionStrategy.PowerBald(beta: -1));
    }
}
