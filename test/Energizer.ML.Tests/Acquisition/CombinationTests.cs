using CsCheck;
using Energizer.ML.Acquisition;
using Microsoft.ML;
using Microsoft.ML.Data;
using static Energizer.ML.Tests.Scoring.PoolFixtures;
using static Energizer.ML.Tests.Acquisition.Tensors;

namespace Energizer.ML.Tests.Acquisition;

[TestClass]
public sealed class CombinationTests
{
    // Two passes, two classes:
    //  r0: [.6,.4] twice          entropy H(.6,.4) = 0.673012   BALD 0
    //  r1: [.9,.1],[.1,.9]         entropy ln 2 = 0.693147       BALD 0.368064
    //  r2: [.95,.05],[.65,.35]     entropy H(.8,.2) = 0.500402   BALD 0.500402 − ½(0.198515 + 0.647447) = 0.077421
    private static AcquisitionBatch ThreeRows(float[][]? embeddings = null) => Batch(
    [
        Constant(2, 0.6f, 0.4f),
        Row([0.9f, 0.1f], [0.1f, 0.9f]),
        Row([0.95f, 0.05f], [0.65f, 0.35f]),
    ], embeddings: embeddings);

    [TestMethod]
    public void CombineSumsWeightedScoresScaledByTheirFixedRanges()
    {
        // C = 2, T = 2: Entropy lies in [0, ln 2], BALD in [0, ln min(2, 2)] = [0, ln 2].
        // Weights 1 (entropy) and 3 (BALD):
        //   r0 = 0.673012/0.693147 + 3·0                    = 0.970951
        //   r1 = 0.693147/0.693147 + 3·0.368064/0.693147    = 1 + 3·0.531004 = 2.593013
        //   r2 = 0.500402/0.693147 + 3·0.077421/0.693147    = 0.721928 + 3·0.111696 = 1.057015
        var combined = AcquisitionStrategy.Combine((AcquisitionStrategy.Entropy, 1), (AcquisitionStrategy.Bald, 3));
        CollectionAssert.AreEqual(new[] { 0.970951f, 2.593013f, 1.057015f }, Scores(combined, ThreeRows()), new ToleranceComparer(1e-5f));
        CollectionAssert.AreEqual(new[] { 1, 2 }, combined.Select(ThreeRows(), 2));
        Assert.IsFalse(combined.IsBatchAware, "each row's score is its own, so the pool's top k is the pick");
    }

    [TestMethod]
    public void NegativeWeightsAndNestedCombinationsUseTheirRanges()
    {
        // T = 1, C = 3, rows [.5,.5,0], [⅓,⅓,⅓], [1,0,0].
        //   Entropy / ln 3: ln 2/ln 3 = 0.630930, 1, 0
        //   LeastConfidence / (1 − ⅓): 0.5/(2/3) = 0.75, 1, 0
        // Entropy − LeastConfidence: −0.119070, 0, 0, in the range [−1, 1];
        // nested in a Combine of weight 1 it is scaled again, (s + 1)/2: 0.440465, 0.5, 0.5.
        const float Third = 1f / 3;
        var batch = Batch([Constant(1, 0.5f, 0.5f, 0f), Constant(1, Third, Third, Third), Constant(1, 1f, 0f, 0f)]);
        var difference = AcquisitionStrategy.Combine((AcquisitionStrategy.Entropy, 1), (AcquisitionStrategy.LeastConfidence, -1));
        Assert.AreEqual((-1.0, 1.0), difference.ScoreRange(3, 1));
        CollectionAssert.AreEqual(new[] { -0.119070f, 0f, 0f }, Scores(difference, batch), new ToleranceComparer(1e-5f));
        CollectionAssert.AreEqual(
            new[] { 0.440465f, 0.5f, 0.5f }, Scores(AcquisitionStrategy.Combine((difference, 1)), batch), new ToleranceComparer(1e-5f));
    }

    [TestMethod]
    public void APartWithoutAFixedRangeIsRefusedByName()
    {
        // Power-mode PowerBALD adds Gumbel noise, which has no bounds.
        var combined = AcquisitionStrategy.Combine((AcquisitionStrategy.Entropy, 1), (AcquisitionStrategy.PowerBald(), 1));
        var error = Assert.ThrowsExactly<ArgumentException>(() => Scores(combined, ThreeRows()));
        StringAssert.Contains(error.Message, "Combine cannot scale PowerBALD: its scores have no fixed range");
        Assert.AreEqual("batch", error.ParamName);
    }

    [TestMethod]
    public void EveryBoundedBuiltInScoresInsideItsRange()
    {
        AcquisitionStrategy[] strategies =
        [
            AcquisitionStrategy.SeededRandom(1), AcquisitionStrategy.Entropy, AcquisitionStrategy.ExpectedEntropy, AcquisitionStrategy.LeastConfidence,
            AcquisitionStrategy.Margin, AcquisitionStrategy.VariationRatios, AcquisitionStrategy.MeanStd, AcquisitionStrategy.Bald,
            AcquisitionStrategy.VoteEntropy, AcquisitionStrategy.KlToConsensus,
        ];
        Probabilities(maxC: 5).Sample(p =>
        {
            foreach (var strategy in strategies)
            {
                var (min, max) = strategy.ScoreRange(p.Classes, p.Iterations)!.Value;
                foreach (float score in Scores(strategy, BatchOf(p)))
                    Assert.IsTrue(score >= min - 1e-6 && score <= max + 1e-6, $"{strategy.Name} = {score} outside [{min}, {max}], C = {p.Classes}, T = {p.Iterations}");
            }
        }, iter: 300, threads: 1);

        // The bounds that are not plain entropies are reached: T = 3 one-hot passes cycling over C = 3 classes give each
        // class the std √(⅓·⅔) = √2/3, the maximum √(C − 1)/C; with C = 2 the modal class takes ⌈3/2⌉ = 2 of 3 votes, 1 − 2/3.
        var cycling = Batch([Row([1f, 0f, 0f], [0f, 1f, 0f], [0f, 0f, 1f])]);
        Assert.AreEqual(Math.Sqrt(2) / 3, AcquisitionStrategy.MeanStd.ScoreRange(3, 3)!.Value.Max, 1e-12);
        Assert.AreEqual(Math.Sqrt(2) / 3, Scores(AcquisitionStrategy.MeanStd, cycling)[0], 1e-6);
        Assert.AreEqual(1 / 3.0, AcquisitionStrategy.VariationRatios.ScoreRange(2, 3)!.Value.Max, 1e-12);
        Assert.AreEqual(1 / 3.0, Scores(AcquisitionStrategy.VariationRatios, Batch([Row([1f, 0f], [0f, 1f], [1f, 0f])]))[0], 1e-6);
    }

    [TestMethod]
    public void PreFilterShortlistsByTheFirstStrategyThenPicksForDiversity()
    {
        // Embeddings x: r0 0, r1 0.1, r2 5. Entropy top 2: r1 (0.693), r0 (0.673); r2 (0.500) is dropped.
        // CoreSet on {r1, r0}, no labelled rows: starts at the lower row id, r0, then r1.
        var batch = ThreeRows([[0], [0.1f], [5]]);
        var strategy = AcquisitionStrategy.PreFilter(AcquisitionStrategy.Entropy, 2, AcquisitionStrategy.CoreSet);
        CollectionAssert.AreEqual(new[] { 0, 1 }, strategy.Select(batch, 2));
        // Without the shortlist CoreSet would take r0 then the far r2.
        CollectionAssert.AreEqual(new[] { 0, 2 }, AcquisitionStrategy.CoreSet.Select(batch, 2));
        // Labelled centre at x = 0 makes r1 the farthest of the shortlist.
        Assert.AreEqual(1, strategy.Select(batch, 1, new float[] { 0 })[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => strategy.Select(batch, 3));
        Assert.IsTrue(strategy.NeedsEmbeddings && strategy.IsBatchAware);
    }

    [TestMethod]
    public void ALoneLastRowOfABatchGetsNoBonus()
    {
        // Deterministic inference (T = 1), two classes, pool p(class 0) = .5, .6, .95, scored in batches of 2,
        // so row 2 is alone in the second batch (N mod B = 1). Each part is scaled by its fixed range:
        //   Entropy / ln 2: row 0 1, row 1 H(.6,.4)/ln 2 = 0.673012/0.693147 = 0.970951, row 2 H(.95,.05)/ln 2 = 0.198515/0.693147 = 0.286397
        //   Margin 1 − |p0 − p1| in [0, 1]: row 0 1, row 1 0.8, row 2 0.1
        // Sums: 2, 1.770951, 0.386397 → the top 2 are rows 0 and 1. Ranked per batch, row 2 would have had the best
        // rank in both parts (2, like row 0) and taken row 1's place.
        var ml = new MLContext(1);
        var pool = Pool(ml, [0.5f, 0.6f, 0.95f]);
        var combined = AcquisitionStrategy.Combine((AcquisitionStrategy.Entropy, 1), (AcquisitionStrategy.Margin, 1));
        var scored = ml.ActiveLearning().ScoreAcquisition(CopyLearner(ml, pool), combined, batchSize: 2).Fit(pool).Transform(pool);
        CollectionAssert.AreEqual(new[] { 2f, 1.770951f, 0.386397f }, scored.GetColumn<float>("Acquisition").ToArray(), new ToleranceComparer(1e-5f));
        CollectionAssert.AreEqual(new long[] { 0, 1 }, ml.ActiveLearning().SelectTopK(scored, 2).RowIds.ToArray());
    }

    [TestMethod]
    public void PicksDoNotDependOnTheBatchSize()
    {
        // 300 rows, p(class 0) spread over [0, 1] in a scrambled order. Entropy and Random disagree, so the
        // combination depends on how each part is normalised; the pick must be the pool-wide top 10 of
        // H(p)/ln 2 + ½·u (Random's uniform u in [0, 1]) for every batch size.
        var ml = new MLContext(1);
        var firstClass = Enumerable.Range(0, 300).Select(i => (i * 37 % 301) / 300f).ToArray();
        var pool = Pool(ml, firstClass);
        var random = AcquisitionStrategy.SeededRandom(5);
        var combined = AcquisitionStrategy.Combine((AcquisitionStrategy.Entropy, 1), (random, 0.5));

        var uniforms = Scores(random, Batch([.. firstClass.Select(p => Constant(1, p, 1 - p))]));
        var expected = Enumerable.Range(0, firstClass.Length)
            .Select(i => (Id: (long)i, Score: (Entropy(firstClass[i]) / Math.Log(2)) + (0.5 * uniforms[i])))
            .OrderByDescending(r => r.Score).ThenBy(r => r.Id).Take(10).Select(r => r.Id).ToArray();
        foreach (int batchSize in new[] { 7, 64, 256 })
        {
            var scored = ml.ActiveLearning().ScoreAcquisition(CopyLearner(ml, pool), combined, batchSize: batchSize).Fit(pool).Transform(pool);
            CollectionAssert.AreEqual(expected, ml.ActiveLearning().SelectTopK(scored, 10).RowIds.ToArray(), $"batch size {batchSize}");
        }
    }

    private static double Entropy(float p) => -(Plogp(p) + Plogp(1 - p));

    private static double Plogp(double p) => p > 0 ? p * Math.Log(p) : 0;
}
