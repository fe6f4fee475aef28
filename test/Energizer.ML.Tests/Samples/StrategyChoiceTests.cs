using System.CommandLine;
using Energizer.ML.Acquisition;
using Energizer.ML.Samples;

namespace Energizer.ML.Tests.Samples;

[TestClass]
public sealed class StrategyChoiceTests
{
    [TestMethod]
    public void ProbCoverPurityReachesTheQueryStrategyAndTheColdStartOnly()
    {
        StrategyChoice.TryParseList("Random,ProbCover,TypiClust", out var parsed, out _);
        var choices = StrategyChoice.WithProbCoverPurity(parsed, 0.5);
        CollectionAssert.AreEqual(new[] { "Random", "ProbCover", "TypiClust" }, choices.Select(c => c.Name).ToArray());
        Assert.AreSame(parsed[0], choices[0]);
        Assert.AreSame(parsed[2], choices[2]);
        var probCover = (ProbCoverStrategy)choices[1].Create(7);
        Assert.AreEqual(0.5, probCover.Purity);
        Assert.AreEqual(7, probCover.Seed);
        Assert.AreEqual(0.75, ((ProbCoverStrategy)parsed[1].Create(7)).Purity);
        var coldStart = (ProbCoverStrategy)StrategyChoice.ColdStart("ProbCover", 3, classes: 10, probCoverPurity: 0.5)!;
        Assert.AreEqual((0.5, 10, 3), (coldStart.Purity, coldStart.Clusters!.Value, coldStart.Seed!.Value));
    }

    [TestMethod]
    public void APurityOutsideZeroToOneNamesTheOption()
    {
        var option = SampleOptions.ProbCoverPurity();
        var command = new RootCommand { option };
        foreach (string bad in new[] { "0", "1.5", "-0.1" })
        {
            var errors = command.Parse(["--probcover-purity", bad]).Errors;
            Assert.AreEqual("--probcover-purity must be in (0, 1].", errors.Single().Message, bad);
        }
        Assert.AreEqual(0, command.Parse(["--probcover-purity", "1"]).Errors.Count);
        Assert.AreEqual(0.75, command.Parse([]).GetValue(option));
    }
}
