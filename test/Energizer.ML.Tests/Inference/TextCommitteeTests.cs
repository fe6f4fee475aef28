using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Microsoft.ML;
using Microsoft.ML.Data;
using ReviewsSample;

namespace Energizer.ML.Tests.Inference;

/// <summary>Query by committee over featurized text: any ML.NET trainer after <c>FeaturizeText</c>, bootstrapped.</summary>
[TestClass]
public sealed class TextCommitteeTests
{
    [TestMethod]
    public void ACommitteeOfTextPipelinesScoresReviewsByVoteEntropy()
    {
        var ml = new MLContext(0);
        var reviews = ReviewsData.Load(Path.Combine(AppContext.BaseDirectory, "data", "finefoods_training.tsv")).Take(300).ToList();
        var labelled = ml.Data.LoadFromEnumerable(reviews.Take(150));
        var pool = ml.Data.LoadFromEnumerable(reviews.Skip(150));
        // Each member fits its own featurizer and L-BFGS maximum entropy on its bootstrap resample (weak
        // L2 only, as the Reviews sample: ML.NET's default predicts the majority class for every review).
        var committee = ml.ActiveLearning()
            .Ensemble(_ => ReviewsLearner.Featurizer(ml).Append(Energizer.ML.Tests.Loop.TestLearners.MappedLogistic(ml, l2: 0.01f)), members: 3, bootstrap: true, seed: 2)
            .Fit(labelled);
        Assert.AreEqual(3, committee.Members.Count);

        var scored = ml.ActiveLearning().ScoreAcquisition(committee, AcquisitionStrategy.VoteEntropy, InferenceMode.Ensemble()).Fit(pool).Transform(pool);
        var votes = scored.GetColumn<float>("Acquisition").ToArray();
        Assert.HasCount(150, votes);
        // Three votes over two classes: all agree (entropy 0) or split 2 : 1, whose entropy is
        // −(2/3)·ln(2/3) − (1/3)·ln(1/3) = ln 3 − (2/3)·ln 2 = 1.098612 − 0.462098 = 0.636514.
        const double Split = 0.636514;
        foreach (float v in votes) Assert.IsTrue(Math.Abs(v) < 1e-6 || Math.Abs(v - Split) < 1e-5, $"vote entropy {v} is neither 0 nor {Split}");
        int disagreements = votes.Count(v => v > 0.5);
        // Each member learns its own key order from its resample; before members were aligned by
        // class name, their votes were compared position by position and all 150 reviews "split".
        Assert.IsGreaterThanOrEqualTo(5, disagreements, "bootstrap members disagree on some reviews");
        Assert.IsLessThan(75, disagreements, "and agree on most");

        // The top 5 are split votes (ties go to the lower row id), none of them labelled.
        var selection = ml.ActiveLearning().SelectTopK(scored, 5, new Energizer.ML.Scoring.SelectionOptions { Labelled = new HashSet<long> { 0 } });
        Assert.AreEqual(5, selection.RowIds.Distinct().Count());
        Assert.IsFalse(selection.RowIds.Contains(0));
        var expected = Enumerable.Range(1, 149).Where(i => votes[i] > 0.5).Take(5).Select(i => (long)i).ToArray();
        CollectionAssert.AreEqual(expected, selection.RowIds.ToArray());
    }

    [TestMethod]
    public void QueryByCommitteeOnReviewsRunsInTheLoopWithThePoolFittedFeaturizer()
    {
        var ml = new MLContext(0);
        var reviews = ReviewsData.Load(Path.Combine(AppContext.BaseDirectory, "data", "finefoods_training.tsv"));
        var pool = ml.Data.LoadFromEnumerable(reviews.Take(200));
        var test = ml.Data.LoadFromEnumerable(reviews.Skip(3900));
        // Weak L2 only, as the Reviews sample: ML.NET's default predicts the majority class for every review.
        var learner = ml.ActiveLearning().Ensemble(_ => Energizer.ML.Tests.Loop.TestLearners.MappedLogistic(ml, l2: 0.01f), members: 3, bootstrap: true, seed: 1);
        var result = ml.ActiveLearning().Trainer(new Energizer.ML.Loop.ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.VoteEntropy,
            Inference = InferenceMode.Ensemble(),
            InitialLabelledCount = 20,
            QuerySize = 10,
            MaxRounds = 2,
            Seed = 3,
            Featurizer = ReviewsLearner.Featurizer(ml),
            FitFeaturizerOnPool = true,
        }).Fit(learner, pool, Energizer.ML.Loop.Oracles.FromLabelColumn("Label"), test);

        CollectionAssert.AreEqual(new[] { 20, 30, 40 }, result.Rounds.Select(r => r.LabelledCount).ToArray());
        // Three members over two classes: a split vote scores ln 3 − (2/3)·ln 2 = 0.636514, full
        // agreement 0. Queries take the split reviews first (ties: lower id); after 20 labels the
        // committee splits on at least 10 of the 180 unlabelled reviews.
        foreach (var round in result.Rounds.Take(2))
        {
            Assert.HasCount(10, round.SelectedScores);
            foreach (double score in round.SelectedScores) Assert.IsTrue(Math.Abs(score) < 1e-6 || Math.Abs(score - 0.636514) < 1e-5, $"vote entropy {score}");
            CollectionAssert.AreEqual(round.SelectedScores.OrderDescending().ToArray(), round.SelectedScores.ToArray());
        }
        Assert.IsTrue(result.Rounds[0].SelectedScores.All(score => score > 0.6));
        Assert.IsTrue(result.Rounds.All(r => r.Metrics!.MicroAccuracy is > 0.5 and <= 1), "each round's committee is evaluated on the test reviews");
    }
}
