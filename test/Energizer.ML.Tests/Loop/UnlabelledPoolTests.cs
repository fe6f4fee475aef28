using System.Runtime.CompilerServices;
using Energizer.ML.Acquisition;
using Energizer.ML.Loop;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Loop;

/// <summary>Real work: the pool has no label column at all; a person (here a scripted one) labels.</summary>
[TestClass]
public sealed class UnlabelledPoolTests
{
    private sealed class Row
    {
        [VectorType(1)]
        public float[] Features { get; set; } = [];
    }

    /// <summary>Labels a row "low" or "high" by its feature, as a person looking at it would.</summary>
    private sealed class ScriptedPerson(float[] features) : IOracle
    {
        public async IAsyncEnumerable<OracleAnswer> LabelAsync(OracleQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (long id in query.RowIds) yield return new OracleAnswer(id, features[id] < 10 ? "low" : "high");
            await Task.CompletedTask.ConfigureAwait(false);
        }
    }

    [TestMethod]
    public void APoolWithoutLabelsIsLabelledByTheOracleAndScoredEveryRound()
    {
        var ml = new MLContext(0);
        var features = Enumerable.Range(0, 40).Select(i => (float)(i / 2.0)).ToArray();
        var pool = ml.Data.LoadFromEnumerable(features.Select(f => new Row { Features = [f] }).ToList());
        Assert.IsNull(pool.Schema.GetColumnOrNull("Label"));
        var result = ml.ActiveLearning().Trainer(new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.Margin,
            InitialRowIds = [0, 39],
            QuerySize = 4,
            MaxRounds = 3,
        }).Fit(TestLearners.MappedLogistic(ml),
            pool, new ScriptedPerson(features));

        CollectionAssert.AreEqual(new[] { 2, 6, 10, 14 }, result.Rounds.Select(r => r.LabelledCount).ToArray());
        Assert.AreEqual("low", result.Labels[0]);
        Assert.AreEqual("high", result.Labels[39]);
        // The labelled rows export with the person's labels.
        var exported = result.LabelledData();
        var labels = exported.GetColumn<ReadOnlyMemory<char>>("Label").Select(l => l.ToString()).ToArray();
        var exportedFeatures = exported.GetColumn<float[]>("Features").Select(f => f[0]).ToArray();
        Assert.HasCount(14, labels);
        for (int i = 0; i < labels.Length; i++) Assert.AreEqual(exportedFeatures[i] < 10 ? "low" : "high", labels[i]);
        string csv = Path.Combine(Path.GetTempPath(), $"energizer-labels-{Guid.NewGuid():N}.csv");
        try
        {
            result.SaveLabelsCsv(csv);
            Assert.HasCount(15, File.ReadAllLines(csv), "a header and 14 labels");
        }
        finally
        {
            File.Delete(csv);
        }

        // Scoring the pool yourself with the final model needs a label column too (ML.NET's
        // MapValueToKey asks for it even when predicting); its values do not matter.
        var withLabel = ml.Data.LoadFromEnumerable(features.Select(f => new LabelledRow { Features = [f] }).ToList());
        var predictions = result.Model.Transform(withLabel).GetColumn<uint>("PredictedLabel").ToArray();
        Assert.HasCount(40, predictions);
        Assert.AreNotEqual(predictions[0], predictions[39]);
        Assert.AreEqual(predictions[0], predictions[2]);
        Assert.AreEqual(predictions[39], predictions[37]);

        // The stabilizing-predictions criterion scores a stop set of the same unlabelled pool, here all 40 rows:
        // round r's kappa is Cohen's kappa of the predictions of the learners of rounds r − 1 and r, fitted again
        // here on the rows labelled before each fit (pool order, the person's labels).
        var options = new ActiveLearningOptions { Strategy = AcquisitionStrategy.Entropy, InitialRowIds = [0, 39], QuerySize = 2, MaxRounds = 4 };
        options.StoppingCriteria.Add(StoppingCriterion.StabilizingPredictions(threshold: 0.999, window: 10, stopSetSize: 40));
        var watched = ml.ActiveLearning().Trainer(options).Fit(TestLearners.MappedLogistic(ml),
            pool, new ScriptedPerson(features));
        var roundPredictions = watched.Rounds.Select(r =>
        {
            var rows = watched.LabelledBefore(r.Round).Order().Select(id => new LabelledRow { Features = [features[id]], Label = (string)watched.Labels[id] }).ToList();
            return TestLearners.MappedLogistic(ml).Fit(ml.Data.LoadFromEnumerable(rows)).Transform(withLabel).GetColumn<uint>("PredictedLabel").ToArray();
        }).ToArray();
        Assert.IsNull(watched.Rounds[0].StopSetKappa);
        for (int round = 1; round < watched.Rounds.Count; round++)
            Assert.AreEqual(Kappa(roundPredictions[round - 1], roundPredictions[round]), watched.Rounds[round].StopSetKappa!.Value, 1e-12, $"round {round}");
    }

    /// <summary>Cohen's kappa (p_o − p_e)/(1 − p_e), p_e = Σ_c p_a(c)·p_b(c); 1 when both are one and the same class.</summary>
    private static double Kappa(uint[] a, uint[] b)
    {
        double observed = a.Zip(b).Count(p => p.First == p.Second) / (double)a.Length;
        double chance = a.Concat(b).Distinct().Sum(c => a.Count(x => x == c) / (double)a.Length * b.Count(x => x == c) / b.Length);
        return chance >= 1 ? 1 : (observed - chance) / (1 - chance);
    }

    private sealed class LabelledRow
    {
        [VectorType(1)]
        public float[] Features { get; set; } = [];

        public string Label { get; set; } = "";
    }
}
