using Microsoft.ML.Data;

namespace Energizer.ML.Orleans.Shards;

/// <summary>
/// How a CSV/TSV shard is read: the part of ML.NET's <c>TextLoader.Options</c> that travels to
/// silos (columns by name, kind and source range; separator; header; quoting).
/// </summary>
[GenerateSerializer]
[Alias("Energizer.ML.Orleans.TextShardFormat")]
public sealed class TextShardFormat
{
    /// <summary>The columns to load.</summary>
    [Id(0)]
    public List<TextShardColumn> Columns { get; set; } = [];

    /// <summary>The field separator. Default ','.</summary>
    [Id(1)]
    public char Separator { get; set; } = ',';

    /// <summary>Whether the first line names the columns (and is skipped). Default true.</summary>
    [Id(2)]
    public bool HasHeader { get; set; } = true;

    /// <summary>Whether fields may be quoted. Default true.</summary>
    [Id(3)]
    public bool AllowQuoting { get; set; } = true;

    /// <summary>The text loader's options.</summary>
    public TextLoader.Options ToLoaderOptions()
    {
        if (Columns.Count == 0) throw new ArgumentException("TextShardFormat.Columns must name at least one column.");
        return new TextLoader.Options
        {
            Columns = [.. Columns.Select(c => c.First == c.Last ? new TextLoader.Column(c.Name, c.Kind, c.First) : new TextLoader.Column(c.Name, c.Kind, c.First, c.Last))],
            Separators = [Separator],
            HasHeader = HasHeader,
            AllowQuoting = AllowQuoting,
        };
    }
}
