using System.Globalization;
using System.Text.RegularExpressions;
using ReviewsSample;

namespace Energizer.ML.Tests.Samples;

[TestClass]
public sealed partial class ReviewsSampleTests
{
    private static readonly string PoolPath = Path.Combine(AppContext.BaseDirectory, "data", "finefoods_training.tsv");
    private static readonly string TestPath = Path.Combine(AppContext.BaseDirectory, "data", "finefoods_testing.tsv");

    private string _directory = "";
    private string _smallPool = "";
    private string _smallTest = "";

    [TestInitialize]
    public void CreateDirectory()
    {
        _directory = Directory.CreateTempSubdirectory("reviews-sample-").FullName;
        // Small copies keep the tests fast: 80 pool reviews, 40 test reviews (quoted records stay whole: none of these spans lines).
        _smallPool = Path.Combine(_directory, "pool.tsv");
        _smallTest = Path.Combine(_directory, "test.tsv");
        File.WriteAllLines(_smallPool, File.ReadLines(PoolPath).Take(81));
        File.WriteAllLines(_smallTest, File.ReadLines(TestPath).Take(41));
    }

    [TestCleanup]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int ExitCode, string Output, string Error)> Run(string input, params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        int code = await ReviewsApp.RunAsync(args, new StringReader(input), output, error);
        return (code, output.ToString(), error.ToString());
    }

    private string[] Tiny(params string[] more) =>
        ["--initial", "10", "--query-size", "10", "--budget", "30", "--pool", _smallPool, "--test", _smallTest, "--out", _directory, .. more];

    [TestMethod]
    public void TheShippedFilesLoadWithTheirCounts()
    {
        var pool = ReviewsData.Load(PoolPath);
        var test = ReviewsData.Load(TestPath);
        Assert.HasCount(4000, pool);
        Assert.HasCount(1000, test);
        Assert.AreEqual(2600, pool.Count(r => r.Label == "great"));
        Assert.AreEqual(658, test.Count(r => r.Label == "great"));
        Assert.IsFalse(pool.Any(r => r.Text.Contains("<br />", StringComparison.Ordinal)));
        Assert.IsTrue(pool.Any(r => r.Text.Contains("\"Holiday\"", StringComparison.Ordinal)), "doubled quotes inside a quoted field are unescaped");
    }

    [TestMethod]
    public async Task TinyComparisonWritesCurvesAndTheTable()
    {
        var (code, output, error) = await Run("", Tiny("--strategies", "Random,Margin", "--seeds", "2"));
        Assert.AreEqual(0, code, error);

        byte[] png = File.ReadAllBytes(Path.Combine(_directory, "learning-curves.png"));
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);

        var lines = File.ReadAllLines(Path.Combine(_directory, "learning-curves.csv"));
        Assert.AreEqual("strategy,seed,round,labelled,accuracy", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        CollectionAssert.AreEqual(new[] { "Random", "Random", "Random", "Random", "Random", "Random", "Margin", "Margin", "Margin", "Margin", "Margin", "Margin" },
            rows.Select(r => r[0]).ToArray());
        CollectionAssert.AreEqual(new[] { 10, 20, 30, 10, 20, 30, 10, 20, 30, 10, 20, 30 }, rows.Select(r => int.Parse(r[3], CultureInfo.InvariantCulture)).ToArray());
        // Every accuracy is a count of correct reviews out of the 40 test reviews.
        foreach (var row in rows)
        {
            double correct = double.Parse(row[4], CultureInfo.InvariantCulture) * 40;
            Assert.AreEqual(Math.Round(correct), correct, 1e-9, $"{row[0]} seed {row[1]} round {row[2]}: accuracy {row[4]} is not k/40");
        }
        StringAssert.Contains(output, "Labels for");
        // The table's Final is the mean over seeds of the last accuracy; its Mean acc. the mean over seeds
        // of the mean accuracy over the rounds at 10, 20 and 30 labels: (a₁₀ + a₂₀ + a₃₀)/3.
        foreach (string strategy in new[] { "Random", "Margin" })
        {
            var match = TableRow(strategy).Match(output);
            Assert.IsTrue(match.Success, output);
            var seeds = rows.Where(r => r[0] == strategy).GroupBy(r => r[1])
                .Select(g => g.Select(r => double.Parse(r[4], CultureInfo.InvariantCulture)).ToArray()).ToList();
            // The table shows four decimals: equal to within half of the last one.
            Assert.AreEqual(seeds.Average(a => a[2]), double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), 0.50001e-4, $"{strategy} final");
            Assert.AreEqual(seeds.Average(a => (a[0] + a[1] + a[2]) / 3), double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), 0.50001e-4, $"{strategy} mean accuracy");
        }
        Assert.IsTrue(File.Exists(Path.Combine(_directory, "history-Margin-seed1.csv")));
        Assert.IsTrue(File.Exists(Path.Combine(_directory, "labels-Random-seed0.csv")));
    }

    private static Regex TableRow(string strategy) => new($@"│ {strategy}\s+│\s+2 │\s+(0\.\d{{4}}) │\s+(0\.\d{{4}}) │");

    [TestMethod]
    public async Task HelpDescribesTheOptions()
    {
        var (code, output, _) = await Run("", "--help");
        Assert.AreEqual(0, code);
        foreach (string option in new[] { "--strategies", "--learner", "--initial", "--query-size", "--budget", "--seeds", "--featurizer", "--pool", "--test", "--out", "--interactive" })
            StringAssert.Contains(output, option);
    }

    [TestMethod]
    public async Task BaldWithoutTheMlpIsRefused()
    {
        var (code, _, error) = await Run("", Tiny("--strategies", "Random,BALD"));
        Assert.AreNotEqual(0, code);
        StringAssert.Contains(error, "BALD needs MC-Dropout passes of a network: add --learner mlp.");
    }

    [TestMethod]
    public async Task AWrongHeaderIsNamed()
    {
        File.WriteAllLines(_smallPool, ["Label\tText", "great\tnice"]);
        var (code, _, error) = await Run("", Tiny());
        Assert.AreEqual(1, code);
        StringAssert.Contains(error, $"{_smallPool}: the header is 'Label\\tText'; expected 'Label\\tProduct\\tText'");
    }

    [TestMethod]
    public async Task EmptyOrMissingTextNamesTheRow()
    {
        File.WriteAllLines(_smallPool, ["Label\tProduct\tText", "great\tP1\tlovely", "other\tP2\t  ", "great\tP3\tfine"]);
        var (code, _, error) = await Run("", Tiny());
        Assert.AreEqual(1, code);
        StringAssert.Contains(error, $"{_smallPool}: row 2 (line 3) has an empty text");

        File.WriteAllLines(_smallPool, ["Label\tProduct\tText", "great\tP1\tlovely", "other\tP2\t\"multi\nline\"", "great\tP3"]);
        (code, _, error) = await Run("", Tiny());
        Assert.AreEqual(1, code);
        StringAssert.Contains(error, $"{_smallPool}: row 3 (line 5) has no Text field");
    }

    [TestMethod]
    public async Task UnexpectedLabelsAreAllListed()
    {
        File.WriteAllLines(_smallPool, ["Label\tProduct\tText", "great\tP1\tlovely", "5 stars\tP2\tyum", "bad\tP3\tmeh", "bad\tP4\tugh", "other\tP5\tok"]);
        var (code, _, error) = await Run("", Tiny());
        Assert.AreEqual(1, code);
        StringAssert.Contains(error, "labels must be great or other; found '5 stars' (1 row, first row 2), 'bad' (2 rows, first row 3)");

        string missing = Path.Combine(_directory, "missing.tsv");
        (code, _, error) = await Run("", ["--pool", missing, "--out", _directory]);
        Assert.AreEqual(1, code);
        StringAssert.Contains(error, missing);
    }

    [TestMethod]
    public async Task InteractiveShowsReviewsAndSavesTheLabels()
    {
        string[] args = ["--interactive", "--initial", "4", "--query-size", "2", "--budget", "6", "--pool", _smallPool, "--test", _smallTest, "--out", _directory];
        var (code, first, error) = await Run("great\nbad\nother\nq\n", args);
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(first, "product B");
        StringAssert.Contains(first, "'bad' is not one of great, other.");
        StringAssert.Contains(first, "Stopped.");
        Assert.IsTrue(File.Exists(Path.Combine(_directory, "checkpoint-Margin", "energizer-checkpoint.json")));

        (code, var second, error) = await Run(string.Concat(Enumerable.Repeat("great\n", 10)), args);
        Assert.AreEqual(0, code, error);
        var labels = File.ReadLines(Path.Combine(_directory, "labels-Margin.csv")).Skip(1).Select(l => l.Split(',')[1]).ToList();
        Assert.HasCount(6, labels);
        Assert.AreEqual(1, labels.Count(l => l == "other"));
        StringAssert.Contains(second, "Wrote");
    }
}
