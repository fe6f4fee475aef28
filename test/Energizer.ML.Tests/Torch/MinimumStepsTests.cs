using System.Runtime.CompilerServices;
using CsCheck;
using Energizer.ML.Torch;
using Microsoft.ML;

namespace Energizer.ML.Tests.Torch;

[TestClass]
public sealed class MinimumStepsTests
{
    [TestMethod]
    public void FewRowsTrainForTheMinimumNumberOfSteps()
    {
        // 20 rows in batches of 32: ⌈20/32⌉ = 1 step per epoch, so Epochs = 3 alone is 3 steps.
        // MinimumSteps = 10 asks for ⌈10/1⌉ = 10 epochs. Forwards: 1 output-width check + 10 steps.
        var (reports, forwards) = Fit(rows: 20, epochs: 3, minimumSteps: 10);
        CollectionAssert.AreEqual(Enumerable.Range(1, 10).ToArray(), reports.Select(r => r.Epoch).ToArray());
        Assert.IsTrue(reports.All(r => r.Epochs == 10));
        Assert.AreEqual(11, forwards);
    }

    [TestMethod]
    public void EnoughStepsKeepTheEpochsAndTheFloorRoundsUpToWholeEpochs()
    {
        // 100 rows in batches of 32: ⌈100/32⌉ = 4 steps per epoch. 5 epochs are 20 steps ≥ 10: 5 epochs stay.
        var (kept, keptForwards) = Fit(rows: 100, epochs: 5, minimumSteps: 10);
        Assert.AreEqual(5, kept.Count);
        Assert.AreEqual(1 + 20, keptForwards);
        // MinimumSteps = 30: ⌈30/4⌉ = 8 epochs, 32 steps.
        var (raised, raisedForwards) = Fit(rows: 100, epochs: 5, minimumSteps: 30);
        Assert.AreEqual(8, raised.Count);
        Assert.AreEqual(1 + 32, raisedForwards);
        // MinimumSteps = 0 turns the floor off.
        Assert.AreEqual(2, Fit(rows: 20, epochs: 2, minimumSteps: 0).Reports.Count);
    }

    [TestMethod]
    public void EpochsForIsTheFewestWholeEpochsThatReachTheFloor()
    {
        Gen.Select(Gen.Int[1, 5000], Gen.Int[1, 256], Gen.Int[1, 300], Gen.Int[0, 2000]).Sample((rows, batch, epochs, floor) =>
        {
            var options = new TorchClassifierOptions { BatchSize = batch, Epochs = epochs, MinimumSteps = floor };
            int result = options.EpochsFor(rows);
            int stepsPerEpoch = (rows + batch - 1) / batch;
            Assert.IsGreaterThanOrEqualTo(epochs, result);
            Assert.IsGreaterThanOrEqualTo(floor, (long)result * stepsPerEpoch);
            // Minimal: one epoch fewer is below the asked epochs or below the floor.
            Assert.IsTrue(result == epochs || (long)(result - 1) * stepsPerEpoch < floor, $"{result} epochs of {stepsPerEpoch} steps for a floor of {floor}");
        }, iter: 2000, threads: 1);
    }

    private static (List<TorchEpochReport> Reports, int Forwards) Fit(int rows, int epochs, int minimumSteps)
    {
        var mlContext = new MLContext(seed: 1);
        var forwards = new StrongBox<int>();
        var reports = new List<TorchEpochReport>();
        using var model = mlContext.MulticlassClassification.Trainers.TorchClassifier(new TorchClassifierOptions
        {
            Network = (features, classes) => new CountingNetwork(Networks.Mlp([8], 0)(features, classes), forwards),
            Epochs = epochs,
            BatchSize = 32,
            MinimumSteps = minimumSteps,
            Progress = reports.Add,
        }).Fit(TinyData.Create(mlContext, rows));
        return (reports, forwards.Value);
    }
}
