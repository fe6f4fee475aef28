using System.Globalization;

namespace DigitsSample;

/// <summary>Reads digits.csv and splits it into a pool and a test set.</summary>
public static class DigitsData
{
    /// <summary>Values per line: 64 pixel counts then the digit.</summary>
    private const int ValuesPerLine = 65;

    /// <summary>Reads every line of <paramref name="path"/>; errors name the file and the line.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A line is malformed (the message says which and why).</exception>
    public static List<ModelInput> Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Data file '{Path.GetFullPath(path)}' does not exist (expected digits.csv: 64 pixel counts 0..16, then the digit, per line).", path);
        var rows = new List<ModelInput>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0) continue;
            rows.Add(Parse(line, path, lineNumber));
        }
        if (rows.Count == 0) throw new InvalidDataException($"{path}: the file holds no rows.");
        return rows;
    }

    /// <summary>
    /// A seeded stratified 50/50 split: within each digit, the rows are shuffled and alternate
    /// between pool and test, so both hold every digit in the same proportions.
    /// </summary>
    public static (List<ModelInput> Pool, List<ModelInput> Test) Split(IReadOnlyList<ModelInput> rows, int seed)
    {
        var random = new Random(seed);
        var pool = new List<ModelInput>();
        var test = new List<ModelInput>();
        foreach (var digit in rows.GroupBy(r => r.Label).OrderBy(g => g.Key))
        {
            var shuffled = digit.ToArray();
            random.Shuffle(shuffled);
            for (int i = 0; i < shuffled.Length; i++) (i % 2 == 0 ? pool : test).Add(shuffled[i]);
        }
        return (pool, test);
    }

    private static ModelInput Parse(string line, string path, int lineNumber)
    {
        string[] values = line.Split(',');
        if (values.Length != ValuesPerLine)
            throw new InvalidDataException($"{path}:{lineNumber}: expected {ValuesPerLine} comma-separated values (64 pixels and the digit), found {values.Length}.");
        var pixels = new float[ValuesPerLine - 1];
        for (int i = 0; i < pixels.Length; i++)
        {
            if (!int.TryParse(values[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out int count) || count is < 0 or > 16)
                throw new InvalidDataException($"{path}:{lineNumber}: value {i + 1} ('{values[i]}') is not a pixel count 0..16.");
            pixels[i] = count / 16f;
        }
        if (!int.TryParse(values[^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int digit) || digit is < 0 or > 9)
            throw new InvalidDataException($"{path}:{lineNumber}: the last value ('{values[^1]}') is not a digit 0..9.");
        return new ModelInput { Features = pixels, Label = digit };
    }
}
