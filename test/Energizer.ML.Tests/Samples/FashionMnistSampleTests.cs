using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using FashionMnistSample;

namespace Energizer.ML.Tests.Samples;

[TestClass]
public sealed class FashionMnistSampleTests
{
    private string _directory = "";

    [TestInitialize]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("fashion-sample-").FullName;

    [TestCleanup]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    /// <summary>Writes gzipped IDX files: image i of class c = i mod 10 is dark but for a bright 8×8 block at row 2·c.</summary>
    private static void WriteIdx(string directory, string images, string labels, int count)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, 2051);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), 28);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), 28);
        var pixels = new byte[count * 784];
        var classes = new byte[count];
        for (int i = 0; i < count; i++)
        {
            int c = i % 10;
            classes[i] = (byte)c;
            for (int r = 2 * c; r < (2 * c) + 8; r++)
                for (int col = 10; col < 18; col++) pixels[(i * 784) + (r * 28) + col] = (byte)(200 + (i % 50));
        }
        Write(Path.Combine(directory, images), [.. header, .. pixels]);
        var labelHeader = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(labelHeader, 2049);
        BinaryPrimitives.WriteInt32BigEndian(labelHeader.AsSpan(4), count);
        Write(Path.Combine(directory, labels), [.. labelHeader, .. classes]);
    }

    private static void Write(string path, byte[] bytes)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(bytes);
    }

    private static async Task<(int Code, string Output, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        int code = await FashionApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>A data folder with 60 training and 20 test images in the Fashion-MNIST files' format.</summary>
    private string WriteData()
    {
        string data = Path.Combine(_directory, "data");
        Directory.CreateDirectory(data);
        WriteIdx(data, IdxReader.Files[0], IdxReader.Files[1], 60);
        WriteIdx(data, IdxReader.Files[2], IdxReader.Files[3], 20);
        return data;
    }

    [TestMethod]
    public async Task TinyRunWritesCurvesTableAndModel()
    {
        string data = WriteData();
        string output = Path.Combine(_directory, "out");
        var (code, text, error) = await Run("--data", data, "--out", output, "--pool-size", "60", "--test-size", "20", "--rounds", "1",
            "--initial", "10", "--query-size", "5", "--epochs", "3", "--mc-iterations", "2", "--threads", "1", "--onnx");
        Assert.AreEqual(0, code, error);
        byte[] png = File.ReadAllBytes(Path.Combine(output, "learning-curves.png"));
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        var rows = File.ReadAllLines(Path.Combine(output, "learning-curves.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        CollectionAssert.AreEqual(new[] { "Random", "Random", "BALD", "BALD" }, rows.Select(r => r[0]).ToArray());
        CollectionAssert.AreEqual(new[] { "10", "15", "10", "15" }, rows.Select(r => r[2]).ToArray());
        // Every accuracy is a count of correct images out of the 20 test images.
        foreach (var row in rows)
        {
            double correct = double.Parse(row[3], CultureInfo.InvariantCulture) * 20;
            Assert.AreEqual(Math.Round(correct), correct, 1e-9, $"{row[0]} round {row[1]}: accuracy {row[3]} is not k/20");
        }
        StringAssert.Contains(text, "Active learning on Fashion-MNIST");
        StringAssert.Contains(text, "Predict(first test image)");
        // The saved model is the final model of the strategy the output names: counted here over the test
        // images, its accuracy is that strategy's last one in the CSV.
        FashionMnist.ModelPath = Path.Combine(output, "model.bin");
        string best = System.Text.RegularExpressions.Regex.Match(text, @"with (\w+)'s final model").Groups[1].Value;
        var testRows = IdxReader.Read(Path.Combine(data, IdxReader.Files[2]), Path.Combine(data, IdxReader.Files[3]), 20);
        double saved = testRows.Count(r => FashionMnist.Predict(r).PredictedLabel - 1 == r.Label) / 20.0;
        Assert.AreEqual(double.Parse(rows.Last(r => r[0] == best)[3], CultureInfo.InvariantCulture), saved, 1e-12, best);
        // --onnx: the pool scored again through ONNX Runtime (CPU here, no GPU) gives the same entropies.
        var onnx = System.Text.RegularExpressions.Regex.Match(text, @"ONNX Runtime (CPU|CUDA) \d+ rows/s .*max \|score difference\| ([0-9.eE+-]+)\.");
        Assert.IsTrue(onnx.Success, text);
        Assert.IsTrue(double.Parse(onnx.Groups[2].Value, CultureInfo.InvariantCulture) < 1e-4, onnx.Value);
    }

    [TestMethod]
    public async Task TheColdStartReadsThePcaEmbedding()
    {
        // 60 images in 10 well-separated classes (a bright block at row 2·class): TypiClust's 10 clusters
        // of the pool's principal components are the classes, so the 10 initial labels are one per
        // class, which 10 random draws from 60 images give with probability 10!·6¹⁰/(60·59·…·51) < 0.1%.
        string data = WriteData();
        string output = Path.Combine(_directory, "out");
        var (code, text, error) = await Run("--data", data, "--out", output, "--pool-size", "60", "--test-size", "20", "--rounds", "0",
            "--initial", "10", "--epochs", "1", "--min-steps", "0", "--strategies", "Random", "--initial-strategy", "TypiClust",
            "--embedding", "pca", "--pca-rank", "9");
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(text, "embedding Pca(9)");
        var initial = File.ReadAllLines(Path.Combine(output, "labels-Random.csv")).Skip(1).Select(l => l.Split(',')).Where(r => r[2] == "-1").ToList();
        CollectionAssert.AreEquivalent(Enumerable.Range(1, 10).Select(k => k.ToString(CultureInfo.InvariantCulture)).ToArray(), initial.Select(r => r[1]).ToArray());
    }

    [TestMethod]
    public async Task AnUnknownEmbeddingIsAnError()
    {
        var (code, _, error) = await Run("--embedding", "Clip", "--data", _directory);
        Assert.AreNotEqual(0, code);
        StringAssert.Contains(error, "Clip");
        StringAssert.Contains(error, "--embedding");
    }

    [TestMethod]
    public async Task MissingFilesSayHowToGetThem()
    {
        var (code, _, error) = await Run("--data", _directory, "--out", Path.Combine(_directory, "out"));
        Assert.AreEqual(1, code);
        StringAssert.Contains(error, "train-images-idx3-ubyte.gz");
        StringAssert.Contains(error, "apt-get install dataset-fashion-mnist");
    }

    [TestMethod]
    public async Task ABadMagicNumberNamesTheFile()
    {
        WriteIdx(_directory, IdxReader.Files[0], IdxReader.Files[1], 10);
        // Test images written under the labels' name and vice versa: magic numbers 2051/2049 swapped.
        WriteIdx(_directory, IdxReader.Files[3], IdxReader.Files[2], 10);
        var (code, _, error) = await Run("--data", _directory, "--out", Path.Combine(_directory, "out"));
        Assert.AreEqual(1, code);
        StringAssert.Contains(error, "t10k-images-idx3-ubyte.gz: magic number 2049, expected 2051");
    }

    [TestMethod]
    public async Task UnknownStrategyListsTheValidOnes()
    {
        var (code, _, error) = await Run("--strategies", "Random,Oracle", "--data", _directory);
        Assert.AreNotEqual(0, code);
        StringAssert.Contains(error, "Unknown strategy 'Oracle'. Valid strategies: Random, Margin");
    }

    /// <summary>Collects what is written, thread-safely, and completes <see cref="Url"/> when the labelling page's address is printed.</summary>
    private sealed class WatchedWriter : StringWriter
    {
        private const string Prefix = "Label in your browser: ";

        public WatchedWriter()
            : base(CultureInfo.InvariantCulture)
        {
        }

        public TaskCompletionSource<Uri> Url { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Write(char value)
        {
            lock (this)
            {
                base.Write(value);
                if (value != '\n') return;
                string text = ToString();
                int at = text.LastIndexOf(Prefix, StringComparison.Ordinal);
                if (at >= 0) Url.TrySetResult(new Uri(text[(at + Prefix.Length)..].Trim()));
            }
        }

        public override void Write(string? value)
        {
            foreach (char c in value ?? "") Write(c);
        }

        public override void WriteLine(string? value)
        {
            Write(value);
            Write('\n');
        }
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task WebRunIsLabelledThroughThePageWithClassNamesAndGuesses()
    {
        string data = WriteData();
        string output = Path.Combine(_directory, "out");
        using var written = new WatchedWriter();
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var run = Task.Run(() => FashionApp.RunAsync(["--web", "--data", data, "--out", output, "--pool-size", "60", "--test-size", "20", "--rounds", "1",
            "--initial", "10", "--query-size", "5", "--epochs", "3", "--mc-iterations", "2", "--threads", "1"], written, error));
        if (await Task.WhenAny(written.Url.Task, run, Task.Delay(TimeSpan.FromMinutes(2))) != written.Url.Task)
            Assert.Fail($"no labelling page: {written}{error}");
        var url = await written.Url.Task;
        using var http = new HttpClient { BaseAddress = new Uri(url.GetLeftPart(UriPartial.Authority)) };
        http.DefaultRequestHeaders.Add(Energizer.ML.Labelling.WebOracle.TokenHeader, System.Web.HttpUtility.ParseQueryString(url.Query)["token"]);

        // Pool image i is class i mod 10, answered as its key (class + 1); round 0's query has the model's guess.
        var guesses = new List<(string Value, string Name)>();
        while (!run.IsCompleted)
        {
            string json;
            try
            {
                json = await http.GetStringAsync("/api/state?page=test");
            }
            catch (HttpRequestException)
            {
                // The run ended and stopped the page's server (its result is checked below).
                await run.WaitAsync(TimeSpan.FromMinutes(1));
                break;
            }
            using var state = System.Text.Json.JsonDocument.Parse(json);
            if (state.RootElement.GetProperty("kind").GetString() != "labelling")
            {
                await Task.Delay(50);
                continue;
            }
            var item = state.RootElement.GetProperty("item");
            long row = item.GetProperty("rowId").GetInt64();
            if (item.GetProperty("guess") is { ValueKind: System.Text.Json.JsonValueKind.Object } guess)
                guesses.Add((guess.GetProperty("value").GetString()!, guess.GetProperty("name").GetString()!));
            StringAssert.StartsWith(item.GetProperty("html").GetString(), "<img class=\"item-image\"");
            using var answer = await http.PostAsync("/api/answer", System.Net.Http.Json.JsonContent.Create(new { page = "test", rowId = row, label = $"{(row % 10) + 1}" }));
            Assert.AreEqual(System.Net.HttpStatusCode.OK, answer.StatusCode);
        }
        Assert.AreEqual(0, await run, $"{written}{error}");

        var labels = File.ReadAllLines(Path.Combine(output, "labels-BALD.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.HasCount(15, labels, "10 initial images and one query of 5, labelled through the page");
        foreach (var cells in labels) Assert.AreEqual($"{(long.Parse(cells[0], CultureInfo.InvariantCulture) % 10) + 1}", cells[1], string.Join(',', cells));
        Assert.HasCount(5, guesses, "each image of round 0's query came with the model's guess");
        foreach (var (value, name) in guesses) Assert.AreEqual(FashionMnist.ClassNames[int.Parse(value, CultureInfo.InvariantCulture) - 1], name);
        StringAssert.Contains(written.ToString(), "Active learning on Fashion-MNIST");
    }
}
