using Energizer.ML.Acquisition;
using static Energizer.ML.Tests.Acquisition.Tensors;

namespace Energizer.ML.Tests.Acquisition;

[TestClass]
public sealed class PointwiseStrategyTests
{
    private const float Tolerance = 1e-6f;

    // ln 2 = 0.693147; H(0.9, 0.1) = 0.9·0.105361 + 0.1·2.302585 = 0.325083.
    private const float Ln2 = 0.6931472f;
    private const float H91 = 0.3250830f;

    // Row 0: two passes [0.9,0.1],[0.1,0.9] → mean [0.5,0.5].  Row 1: [0.6,0.3,0.1] twice (C = 3 needs its own batch).
    private static AcquisitionBatch Disagreeing() => Batch([Row([0.9f, 0.1f], [0.1f, 0.9f]), Constant(2, 0.5f, 0.5f)]);

    private static AcquisitionBatch ThreeClasses() => Batch([Constant(2, 0.6f, 0.3f, 0.1f)]);

    [TestMethod]
    public void EntropyIsTheEntropyOfTheMean()
    {
        // Row 0: mean [0.5,0.5] → H = ln 2 = 0.693147. Row 1: the same mean → ln 2.
        CollectionAssert.AreEqual(new[] { Ln2, Ln2 }, Scores(AcquisitionStrategy.Entropy, Disagreeing()), new ToleranceComparer(Tolerance));
        // [0.6,0.3,0.1]: 0.6·ln(1/0.6) + 0.3·ln(1/0.3) + 0.1·ln(1/0.1) = 0.306495 + 0.361192 + 0.230259 = 0.897946.
        Assert.AreEqual(0.8979457f, Scores(AcquisitionStrategy.Entropy, ThreeClasses())[0], Tolerance);
    }

    [TestMethod]
    public void ExpectedEntropyIsTheMeanOfPerPassEntropies()
    {
        // Row 0: (H(0.9,0.1) + H(0.1,0.9)) / 2 = 0.325083. Row 1: ln 2.
        CollectionAssert.AreEqual(new[] { H91, Ln2 }, Scores(AcquisitionStrategy.ExpectedEntropy, Disagreeing()), new ToleranceComparer(Tolerance));
    }

    [TestMethod]
    public void BaldIsEntropyOfMeanMinusMeanEntropy()
    {
        // Row 0: ln 2 − H(0.9,0.1) = 0.693147 − 0.325083 = 0.368064. Row 1: ln 2 − ln 2 = 0 (no disagreement).
        CollectionAssert.AreEqual(new[] { 0.3680642f, 0f }, Scores(AcquisitionStrategy.Bald, Disagreeing()), new ToleranceComparer(Tolerance));
    }

    [TestMethod]
    public void KlToConsensusIsTheMeanDivergenceFromTheMean()
    {
        // Row 0: KL([0.9,0.1] ‖ [0.5,0.5]) = 0.9·ln 1.8 + 0.1·ln 0.2 = 0.529008 − 0.160944 = 0.368064,
        // the same for the mirrored pass, mean 0.368064 (= BALD). Row 1: 0.
        CollectionAssert.AreEqual(new[] { 0.3680642f, 0f }, Scores(AcquisitionStrategy.KlToConsensus, Disagreeing()), new ToleranceComparer(Tolerance));
    }

    [TestMethod]
    public void LeastConfidenceAndMarginUseTheMean()
    {
        // [0.6,0.3,0.1]: least confidence 1 − 0.6 = 0.4; margin 1 − (0.6 − 0.3) = 0.7.
        Assert.AreEqual(0.4f, Scores(AcquisitionStrategy.LeastConfidence, ThreeClasses())[0], Tolerance);
        Assert.AreEqual(0.7f, Scores(AcquisitionStrategy.Margin, ThreeClasses())[0], Tolerance);
        // Mean [0.5,0.5]: least confidence 0.5; margin 1 − 0 = 1 (a tie is the most uncertain).
        Assert.AreEqual(0.5f, Scores(AcquisitionStrategy.LeastConfidence, Disagreeing())[0], Tolerance);
        Assert.AreEqual(1f, Scores(AcquisitionStrategy.Margin, Disagreeing())[0], Tolerance);
    }

    [TestMethod]
    public void MarginWithOneClassIsZero()
    {
        // C = 1: p₁ = 1 and no runner-up (p₂ = 0), so 1 − (1 − 0) = 0.
        Assert.AreEqual(0f, Scores(AcquisitionStrategy.Margin, Batch([Constant(3, 1f)]))[0]);
    }

    [TestMethod]
    public void VariationRatiosAndVoteEntropyCountArgmaxVotes()
    {
        // Three passes voting 0, 0, 1: modal share 2/3 → variation ratio 1/3;
        // vote distribution [2/3, 1/3] → H = (2/3)·ln 1.5 + (1/3)·ln 3 = 0.270310 + 0.366204 = 0.636514.
        var batch = Batch([Row([0.7f, 0.3f], [0.6f, 0.4f], [0.2f, 0.8f])]);
        Assert.AreEqual(1f / 3, Scores(AcquisitionStrategy.VariationRatios, batch)[0], Tolerance);
        Assert.AreEqual(0.6365142f, Scores(AcquisitionStrategy.VoteEntropy, batch)[0], Tolerance);
        // A tie [0.5,0.5] votes for the lower class: passes vote 0, 0 → ratio 0, vote entropy 0.
        var tie = Batch([Row([0.5f, 0.5f], [0.9f, 0.1f])]);
        Assert.AreEqual(0f, Scores(AcquisitionStrategy.VariationRatios, tie)[0]);
        Assert.AreEqual(0f, Scores(AcquisitionStrategy.VoteEntropy, tie)[0]);
    }

    [TestMethod]
    public void MeanStdIsThePopulationStdAveragedOverClasses()
    {
        // Row 0: class 0 takes 0.9, 0.1 → mean 0.5, std √((0.16 + 0.16)/2) = 0.4; class 1 likewise → 0.4. Row 1: 0.
        CollectionAssert.AreEqual(new[] { 0.4f, 0f }, Scores(AcquisitionStrategy.MeanStd, Disagreeing()), new ToleranceComparer(Tolerance));
    }

    [TestMethod]
    public void RandomScoresAreSeededUniformValuesOfTheRowId()
    {
        var batch = Batch([Constant(1, 1f), Constant(1, 1f), Constant(1, 1f)], ids: [7, 8, 9]);
        var first = Scores(AcquisitionStrategy.SeededRandom(seed: 3), batch);
        CollectionAssert.AreEqual(first, Scores(AcquisitionStrategy.SeededRandom(seed: 3), batch));
        CollectionAssert.AreNotEqual(first, Scores(AcquisitionStrategy.SeededRandom(seed: 4), batch));
        foreach (float s in first) Assert.IsTrue(s is >= 0 and < 1, $"score {s}");
    }

    [TestMethod]
    public void DefaultSelectTakesTopScoresAndBreaksTiesByLowerRowId()
    {
        // Entropies: row id 30 → ln 2, row id 10 → 0, row id 20 → ln 2: best first 20 (tie with 30, lower id), then 30.
        var batch = Batch([Constant(1, 0.5f, 0.5f), Constant(1, 1f, 0f), Constant(1, 0.5f, 0.5f)], ids: [30, 10, 20]);
        CollectionAssert.AreEqual(new[] { 2, 0 }, AcquisitionStrategy.Entropy.Select(batch, 2));
    }

    [TestMethod]
    public void NamesAreShort()
    {
        Assert.AreEqual("BALD", AcquisitionStrategy.Bald.ToString());
        Assert.AreEqual("PowerBALD", AcquisitionStrategy.PowerBald().Name);
        Assert.AreEqual("SoftrankEntropy", AcquisitionStrategy.PowerBald(mode: PowerBaldMode.Softrank, baseStrategy: AcquisitionStrategy.Entropy).Name);
        Assert.AreEqual("Combine(1·Entropy + 3·BALD)", AcquisitionStrategy.Combine((AcquisitionStrategy.Entropy, 1), (AcquisitionStrategy.Bald, 3)).Name);
    }
}
