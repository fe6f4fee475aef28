using System.Globalization;
using System.Text.RegularExpressions;
using DigitsSample;

namespace Energizer.ML.Tests.Samples;

[TestClass]
public sealed partial class DigitsSampleTests
{
    private static readonly string DataPath = Path.Combine(AppContext.BaseDirectory, "data", "digits.csv");

    private string _directory = "";

    [TestInitialize]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("digits-sample-").FullName;

    [TestCleanup]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int ExitCode, string Output, string Error)> Run(string input, params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        int code = await DigitsApp.RunAsync(args, new StringReader(input), output, error);
        return (code, output.ToString(), error.ToString());
    }

    private string[] Tiny(params string[] more) =>
        ["--rounds", "2", "--query-size", "5", "--initial", "10", "--epochs", "5", "--mc-iterations", "3", "--data", DataPath, "--out", _directory, .. more];

    [TestMethod]
    public async Task TinyComparisonWritesCurvesTableAndModel()
    {
        var (code, output, error) = await Run("", Tiny("--strategies", "Random,BALD"));
        Assert.AreEqual(0, code, error);

        byte[] png = File.ReadAllBytes(Path.Combine(_directory, "learning-curves.png"));
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);

        var lines = File.ReadAllLines(Path.Combine(_directory, "learning-curves.csv"));
        Assert.AreEqual("strategy,round,labelled,accuracy", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        CollectionAssert.AreEqual(new[] { "Random", "Random", "Random", "BALD", "BALD", "BALD" }, rows.Select(r => r[0]).ToArray());
        CollectionAssert.AreEqual(new[] { 10, 15, 20, 10, 15, 20 }, rows.Select(r => int.Parse(r[2], CultureInfo.InvariantCulture)).ToArray());
        // Every accuracy is a count of correct test digits over the test split's size.
        var testRows = DigitsData.Split(DigitsData.Load(DataPath), seed: 0).Test;
        foreach (var row in rows)
        {
            double correct = double.Parse(row[3], CultureInfo.InvariantCulture) * testRows.Count;
            Assert.AreEqual(Math.Round(correct), correct, 1e-9, $"{row[0]} round {row[1]}: accuracy {row[3]} is not k/{testRows.Count}");
        }

        StringAssert.Contains(output, "Labels for");
        StringAssert.Contains(output, "Mean acc.");
        StringAssert.Matches(output, TableRow("Random"));
        StringAssert.Matches(output, TableRow("BALD"));
        Assert.IsTrue(File.Exists(Path.Combine(_directory, "history-BALD.csv")));

        // Consumption: Predict with the saved model, the final model of the strategy the output names; counted
        // here over the test split, its accuracy is that strategy's last one in the CSV.
        Digits.ModelPath = Path.Combine(_directory, "model.bin");
        string best = Regex.Match(output, @"with (\w+)'s final model").Groups[1].Value;
        double saved = testRows.Count(r => Digits.Predict(r).Digit == r.Label) / (double)testRows.Count;
        Assert.AreEqual(double.Parse(rows.Last(r => r[0] == best)[3], CultureInfo.InvariantCulture), saved, 1e-12, best);
        var prediction = Digits.Predict(DigitsData.Load(DataPath)[0]);
        Assert.AreEqual(10, prediction.Score.Length);
        Assert.AreEqual(Array.IndexOf(prediction.Score, prediction.Score.Max()), prediction.Digit, "the predicted digit is the most probable one");
        Assert.AreEqual(1.0, prediction.Score.Sum(), 1e-4);
    }

    private static Regex TableRow(string strategy) => new($@"│ {strategy}\s+│\s+(\d+|not reached)\s+│\s+(\d+|not reached)\s+│\s+0\.\d{{4}}\s+│");

    [TestMethod]
    public async Task UnknownStrategyIsRefusedWithTheValidNames()
    {
        var (code, _, error) = await Run("", Tiny("--strategies", "Random,Greedy"));
        Assert.AreNotEqual(0, code);
        StringAssert.Contains(error, "Unknown strategy 'Greedy'");
        StringAssert.Contains(error, "Random, Margin, Entropy, LeastConfidence, BALD, BatchBALD, PowerBALD");
    }

    [TestMethod]
    public async Task HelpDescribesTheOptions()
    {
        var (code, output, _) = await Run("", "--help");
        Assert.AreEqual(0, code);
        foreach (string option in new[] { "--strategies", "--rounds", "--query-size", "--seed", "--out", "--data", "--interactive" })
            StringAssert.Contains(output, option);
    }

    [TestMethod]
    public async Task MalformedDataNamesTheFileAndLine()
    {
        string path = Path.Combine(_directory, "bad.csv");
        var good = File.ReadLines(DataPath).First();
        File.WriteAllLines(path, [good, good, "1,2,3"]);
        var (code, _, error) = await Run("", ["--data", path, "--out", _directory]);
        Assert.AreEqual(1, code);
        StringAssert.Contains(error, $"{path}:3:");
        StringAssert.Contains(error, "expected 65 comma-separated values");

        File.WriteAllLines(path, [good, good.Replace(",0,0,0", ",0,17,0", StringComparison.Ordinal)]);
        (code, _, error) = await Run("", ["--data", path, "--out", _directory]);
        Assert.AreEqual(1, code);
        StringAssert.Contains(error, $"{path}:2: value");

        string missing = Path.Combine(_directory, "missing.csv");
        (code, _, error) = await Run("", ["--data", missing, "--out", _directory]);
        Assert.AreEqual(1, code);
        StringAssert.Contains(error, missing);
    }

    [TestMethod]
    public async Task InteractiveLabelsAreCheckpointedAndARestartContinues()
    {
        string[] args = ["--interactive", "--initial", "6", "--rounds", "1", "--query-size", "3", "--epochs", "3", "--data", DataPath, "--out", _directory];

        // First session: label four of the six initial digits as 3, then quit.
        var (code, first, error) = await Run("3\n3\n3\n3\nq\n", args);
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(first, "+----------------+");
        StringAssert.Contains(first, "Stopped.");
        var firstRows = ShownRows(first);
        Assert.HasCount(5, firstRows); // four answered, the fifth shown when "q" was typed
        Assert.IsTrue(File.Exists(Path.Combine(_directory, "checkpoint-Margin", "energizer-checkpoint.json")));

        // Second session: it asks only about the rows not answered yet, then runs its query and finishes.
        (code, var second, error) = await Run(string.Concat(Enumerable.Repeat("5\n", 20)), args);
        Assert.AreEqual(0, code, error);
        var secondRows = ShownRows(second);
        Assert.HasCount(2 + 3, secondRows);
        Assert.AreEqual(firstRows[4], secondRows[0], "the row the first session quit on is asked again first");
        Assert.IsFalse(secondRows.Intersect(firstRows.Take(4)).Any(), "rows labelled before the quit are not asked again");

        var labels = File.ReadLines(Path.Combine(_directory, "labels-Margin.csv")).Skip(1)
            .Select(l => l.Split(',')).ToDictionary(f => long.Parse(f[0], CultureInfo.InvariantCulture), f => f[1]);
        Assert.HasCount(9, labels);
        foreach (long row in firstRows.Take(4)) Assert.AreEqual("3", labels[row]);
        foreach (long row in secondRows) Assert.AreEqual("5", labels[row]);
    }

    private static List<long> ShownRows(string output) =>
        [.. RowPrompt().Matches(output).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];

    [GeneratedRegex(@"-- row (\d+) \(")]
    private static partial Regex RowPrompt();

    [TestMethod]
    public void DrawingShadesEachPixelByIntensity()
    {
        var pixels = new float[64];
        pixels[0] = 1f;
        pixels[9] = 0.5f;
        var lines = DigitDrawing.Draw(pixels).Split(Environment.NewLine);
        Assert.HasCount(10, lines);
        Assert.AreEqual("|@@              |", lines[1]);
        Assert.AreEqual("|  ==            |", lines[2]);
    }
}
