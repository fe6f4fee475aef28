using System.Reflection;
using Energizer.ML.Inference;
using Energizer.ML.Tests.Loop;
using Microsoft.ML;
using Microsoft.ML.Data;
using static Energizer.ML.Tests.Scoring.PoolFixtures;

namespace Energizer.ML.Tests.Scoring;

/// <summary>The scorer's and the ensemble's views keep ML.NET's IDataView contract.</summary>
[TestClass]
public sealed class DataViewContractTests
{
    [TestMethod]
    public void EachCursorOfASetReportsTheBatchItsRowsCameFrom()
    {
        var ml = new MLContext(1);
        var pool = Pool(ml, [0.9f, 0.2f, 0.5f, 0.7f, 0.1f]);
        var scored = ml.ActiveLearning().ScoreAcquisition(CopyLearner(ml, pool), new FirstClassStrategy(), batchSize: 2).Fit(pool).Transform(pool);
        var cursors = scored.GetRowCursorSet([scored.Schema["RowId"]], 2);
        // Batches of 2 over 5 rows: batch 0 = rows 0–1, 1 = rows 2–3, 2 = row 4; batch b goes to cursor b mod 2.
        var seen = cursors.Select(cursor =>
        {
            var id = cursor.GetGetter<long>(scored.Schema["RowId"]);
            var rows = new List<(long Batch, long Id)>();
            long value = 0;
            while (cursor.MoveNext())
            {
                id(ref value);
                rows.Add((cursor.Batch, value));
            }
            cursor.Dispose();
            return rows;
        }).ToArray();
        CollectionAssert.AreEqual(new[] { (0L, 0L), (0L, 1L), (2L, 4L) }, seen[0]);
        CollectionAssert.AreEqual(new[] { (1L, 2L), (1L, 3L) }, seen[1]);
    }

    [TestMethod]
    public void ALearnerOutputLongerThanThePoolIsAnErrorNotADrift()
    {
        var ml = new MLContext(1);
        var pool = Pool(ml, [0.9f, 0.2f, 0.5f]);
        var longer = Pool(ml, [0.9f, 0.2f, 0.5f, 0.7f, 0.1f]);
        var learner = new OutputFrom(CopyLearner(ml, pool), longer);
        var scored = ml.ActiveLearning().ScoreAcquisition(learner, new FirstClassStrategy(), batchSize: 2).Fit(pool).Transform(pool);
        // The learner gives 5 rows for a pool of 3: row 3's pool columns do not exist.
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => scored.GetColumn<long>("UserId").ToArray());
        StringAssert.Contains(error.Message, "the pool ended after 3 rows");
    }

    /// <summary>A learner that scores <paramref name="output"/>, whatever pool it is given.</summary>
    private sealed class OutputFrom(ITransformer inner, IDataView output) : ITransformer
    {
        public bool IsRowToRowMapper => false;

        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inner.GetOutputSchema(inputSchema);

        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();

        public IDataView Transform(IDataView input) => inner.Transform(output);

        public void Save(ModelSaveContext ctx) => throw new NotSupportedException();
    }

    private static IEstimator<ITransformer> Logistic(MLContext ml) =>
        ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(
            new Microsoft.ML.Trainers.LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1, MaximumNumberOfIterations = 10 });

    [TestMethod]
    public void AnEnsembleCursorRefusesColumnsItWasNotAskedFor()
    {
        var ml = new MLContext(0);
        var data = ml.Data.LoadFromEnumerable(Digits.Rows.Take(60));
        var committee = ml.ActiveLearning().Ensemble(_ => Logistic(ml), members: 2, bootstrap: false).Fit(data);
        var view = committee.Transform(data);
        using var cursor = view.GetRowCursor([view.Schema["Score"]]);
        Assert.IsFalse(cursor.IsColumnActive(view.Schema[EnsembleTransformer.MemberScoreName(1)]));
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<VBuffer<float>>(view.Schema[EnsembleTransformer.MemberScoreName(1)]));
        StringAssert.Contains(error.Message, "'Score.Member1' was not requested");
        error = Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<uint>(view.Schema["PredictedLabel"]));
        StringAssert.Contains(error.Message, "'PredictedLabel' was not requested");
    }

    [TestMethod]
    public void TheEnsembleEstimatorsShapeHasEveryMembersScore()
    {
        var ml = new MLContext(0);
        var data = ml.Data.LoadFromEnumerable(Digits.Rows.Take(60));
        // ML.NET keeps SchemaShape.Create(DataViewSchema) internal.
        var create = typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, [typeof(DataViewSchema)])!;
        var input = (SchemaShape)create.Invoke(null, [data.Schema])!;
        var shape = ml.ActiveLearning().Ensemble(_ => Logistic(ml), members: 3, bootstrap: false).GetOutputSchema(input);

        var fitted = ml.ActiveLearning().Ensemble(_ => Logistic(ml), members: 3, bootstrap: false).Fit(data).Transform(data).Schema;
        // The fitted schema repeats Score and PredictedLabel (member 0's, hidden by the committee's).
        CollectionAssert.AreEquivalent(fitted.Select(c => c.Name).Distinct().ToArray(), shape.Select(c => c.Name).ToArray());
        foreach (int k in new[] { 0, 1, 2 })
        {
            var member = shape.Single(c => c.Name == EnsembleTransformer.MemberScoreName(k));
            Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, member.Kind);
            Assert.AreEqual(NumberDataViewType.Single, member.ItemType);
        }
    }
}
