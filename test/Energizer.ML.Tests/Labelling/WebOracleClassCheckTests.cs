using Energizer.ML.Labelling;
using Energizer.ML.Loop;
using Microsoft.ML;

namespace Energizer.ML.Tests.Labelling;

/// <summary>A class the label column cannot hold stops the run before any page could hear "saved" for an answer the loop would reject.</summary>
[TestClass]
public sealed class WebOracleClassCheckTests
{
    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task AClassTheLabelColumnCannotHoldIsRefusedNamingClassAndColumn()
    {
        var ml = new MLContext(1);
        var (pool, _) = LabellingPools.Images(ml, 20);
        var web = new WebOracleOptions { Renderer = RowRenderer.PixelImage("Features", 28, 28) };
        foreach (var c in LabellingPools.FashionClasses()) web.Classes.Add(c);
        web.Classes.Add(new LabelClass("11", "Hat"));
        await using var run = await LabellingRun.StartAsync(pool, ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(),
            new ActiveLearningOptions { InitialLabelledCount = 3, MaxRounds = 0 }, web);

        // The pool's label is Key<UInt32, 0-9>: keys 1..10, so "11" names no class.
        var error = await Assert.ThrowsExactlyAsync<ArgumentException>(run.FinishedAsync);
        Assert.AreEqual($"Class '11' cannot be a label of column 'Label' ({pool.Schema["Label"].Type}): key 11 is above the column's key count 10. (Parameter 'Classes')", error.Message);
    }
}
