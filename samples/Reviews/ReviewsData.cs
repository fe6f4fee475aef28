using System.Text;

namespace ReviewsSample;

/// <summary>
/// Reads the fine-food review TSV files: a header <c>Label	Product	Text</c>, then one review per
/// record, fields separated by tabs and quoted (<c>"</c>, doubled inside) where needed, so a
/// quoted text may hold tabs and line breaks.
/// </summary>
public static class ReviewsData
{
    /// <summary>The two labels.</summary>
    public static IReadOnlyList<string> Labels { get; } = ["great", "other"];

    private static readonly string[] Header = ["Label", "Product", "Text"];

    /// <summary>Reads every review of <paramref name="path"/>; errors name the file and the row.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A wrong header, a row without text, or labels other than great/other (all listed).</exception>
    public static List<Review> Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Data file '{Path.GetFullPath(path)}' does not exist (expected a TSV with the header Label, Product, Text).", path);
        var records = Records(File.ReadAllText(path)).ToList();
        if (records.Count == 0 || !records[0].Fields.SequenceEqual(Header))
            throw new InvalidDataException(
                $"{path}: the header is '{(records.Count == 0 ? "" : string.Join("\\t", records[0].Fields))}'; expected 'Label\\tProduct\\tText' (tab-separated).");
        var reviews = new List<Review>();
        var otherLabels = new SortedDictionary<string, List<int>>(StringComparer.Ordinal);
        for (int row = 1; row < records.Count; row++)
        {
            var (fields, line) = records[row];
            if (fields.Count == 1 && fields[0].Length == 0) continue; // a blank line
            string where = $"{path}: row {row} (line {line})";
            if (fields.Count > 3) throw new InvalidDataException($"{where} has {fields.Count} fields; expected 3 (Label, Product, Text).");
            string text = fields.Count == 3 ? fields[2].Replace("<br />", " ", StringComparison.OrdinalIgnoreCase).Trim() : "";
            if (text.Length == 0)
                throw new InvalidDataException($"{where} has {(fields.Count < 3 ? "no Text field" : "an empty text")}: every review needs its text.");
            if (!Labels.Contains(fields[0]))
            {
                if (!otherLabels.TryGetValue(fields[0], out var rows)) otherLabels[fields[0]] = rows = [];
                rows.Add(row);
            }
            reviews.Add(new Review { Label = fields[0], Product = fields[1], Text = text });
        }
        if (otherLabels.Count > 0)
        {
            string found = string.Join(", ", otherLabels.Select(kv =>
                $"'{kv.Key}' ({kv.Value.Count} row{(kv.Value.Count == 1 ? "" : "s")}, first row {kv.Value[0]})"));
            throw new InvalidDataException($"{path}: labels must be {string.Join(" or ", Labels)}; found {found}.");
        }
        if (reviews.Count == 0) throw new InvalidDataException($"{path}: the file holds no reviews.");
        return reviews;
    }

    /// <summary>Splits TSV text into records of fields, with the line each record starts on (1-based).</summary>
    private static IEnumerable<(List<string> Fields, int Line)> Records(string text)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, start = 1, i = 0;
        bool quoted = false, any = false;
        while (i < text.Length)
        {
            char c = text[i++];
            if (quoted)
            {
                if (c == '"' && i < text.Length && text[i] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else
                {
                    if (c == '\n') line++;
                    field.Append(c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    any = true;
                    break;
                case '\t':
                    fields.Add(field.ToString());
                    field.Clear();
                    any = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    yield return (fields, start);
                    fields = [];
                    field.Clear();
                    any = false;
                    start = ++line;
                    break;
                default:
                    field.Append(c);
                    any = true;
                    break;
            }
        }
        if (any || field.Length > 0)
        {
            fields.Add(field.ToString());
            yield return (fields, start);
        }
    }
}
