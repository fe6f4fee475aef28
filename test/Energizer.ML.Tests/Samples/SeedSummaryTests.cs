using System.Globalization;
using System.Text.RegularExpressions;
using DigitsSample;
using Energizer.ML.Samples;

namespace Energizer.ML.Tests.Samples;

[TestClass]
public sealed class SeedSummaryTests
{
    [TestMethod]
    public void MeanSdIsTheSampleStandardDeviation()
    {
        // Mean (0.8 + 0.9 + 1.0)/3 = 0.9; squared deviations 0.01, 0, 0.01 over n − 1 = 2 → sd √0.01 = 0.1.
        var (mean, sd) = SeedSummary.MeanSd([0.8, 0.9, 1.0]);
        Assert.AreEqual(0.9, mean, 1e-12);
        Assert.AreEqual(0.1, sd, 1e-12);
        Assert.AreEqual((0.5, 0.0), SeedSummary.MeanSd([0.5]));
    }

    [TestMethod]
    public async Task DigitsWithSeveralSeedsPrintsMeanAndSdOverSeeds()
    {
        using var directory = new TemporaryDirectory("digits-seeds-");
        string data = Path.Combine(AppContext.BaseDirectory, "data", "digits.csv");
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        int code = await DigitsApp.RunAsync(
            ["--seeds", "2", "--seed", "3", "--strategies", "Random,TypiClust", "--initial-strategy", "TypiClust", "--rounds", "1", "--query-size", "5",
             "--initial", "10", "--epochs", "2", "--min-steps", "0", "--data", data, "--out", directory.Path],
            new StringReader(""), output, error);
        Assert.AreEqual(0, code, error.ToString());

        var rows = File.ReadAllLines(Path.Combine(directory.Path, "learning-curves.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        CollectionAssert.AreEqual(new[] { "Random,3", "Random,3", "TypiClust,3", "TypiClust,3", "Random,4", "Random,4", "TypiClust,4", "TypiClust,4" },
            rows.Select(r => $"{r[0]},{r[1]}").ToArray());
        // Mean acc. of a strategy: the mean over its 2 seeds of (a₁₀ + a₁₅)/2, ± their sample sd.
        foreach (string strategy in new[] { "Random", "TypiClust" })
        {
            var perSeed = rows.Where(r => r[0] == strategy).GroupBy(r => r[1]).Select(g => g.Average(r => double.Parse(r[4], CultureInfo.InvariantCulture))).ToList();
            var (mean, sd) = SeedSummary.MeanSd(perSeed);
            StringAssert.Contains(output.ToString(), string.Create(CultureInfo.InvariantCulture, $"{mean:F4} ±"), strategy);
            var match = Regex.Match(output.ToString(), $@"│ {strategy}\s+│\s+2 │\s+0\.\d{{4}} ±\s+│");
            Assert.IsTrue(match.Success, output.ToString());
            StringAssert.Contains(output.ToString(), string.Create(CultureInfo.InvariantCulture, $"{sd:F4}"), strategy);
        }
        StringAssert.Contains(output.ToString(), "Δ vs Random");
        StringAssert.Contains(output.ToString(), "Labels for");
    }
}
