using System.Text.Encodings.Web;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Labelling;

/// <summary>
/// How the labelling page shows a row: a text column, an image from a pixel vector, an image file,
/// or HTML of your own. The page lists every other column below the item as plain text.
/// </summary>
public sealed class RowRenderer
{
    private readonly Func<DataViewSchema, Func<DataViewRow, long, string>> _bind;

    private RowRenderer(IReadOnlyList<string> columns, Func<DataViewSchema, Func<DataViewRow, long, string>> bind)
    {
        Columns = columns;
        _bind = bind;
    }

    /// <summary>The columns this renderer shows (not listed again below the item).</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>A text column, HTML-escaped (a review containing <c>&lt;script&gt;</c> shows as text); long texts scroll.</summary>
    /// <param name="column">The text column.</param>
    public static RowRenderer Text(string column)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(column);
        return new RowRenderer([column], schema =>
        {
            var source = Find(schema, column, c => c.Type is TextDataViewType, "a text column");
            return (row, _) => $"<div class=\"item-text\">{HtmlEncoder.Default.Encode(ColumnText.Read<ReadOnlyMemory<char>>(row, source).ToString())}</div>";
        });
    }

    /// <summary>
    /// An image from a pixel vector of floats: <paramref name="width"/> × <paramref name="height"/>
    /// pixels of <paramref name="channels"/> (1 grey, 3 red-green-blue), each value from 0 (black)
    /// to <paramref name="maximum"/> (full intensity). The image keeps its pixel size and the page
    /// scales it up without smoothing, so small images (8 × 8 digits) stay crisp.
    /// </summary>
    /// <param name="column">The vector column.</param>
    /// <param name="width">Pixels per image row.</param>
    /// <param name="height">Image rows.</param>
    /// <param name="channels">1 (grey) or 3 (red, green, blue).</param>
    /// <param name="maximum">The value of full intensity (1 for pixels scaled to [0, 1], 255 for bytes).</param>
    /// <param name="interleaved">True when each pixel's channels are adjacent (RGBRGB...); false when the vector holds one plane per channel (RR..GG..BB.., ML.NET's ExtractPixels default).</param>
    public static RowRenderer PixelImage(string column, int width, int height, int channels = 1, float maximum = 1f, bool interleaved = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(column);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 (grey) or 3 (red, green, blue).");
        if (!(maximum > 0) || float.IsInfinity(maximum)) throw new ArgumentOutOfRangeException(nameof(maximum), maximum, "maximum must be a positive number.");
        int size = width * height * channels;
        // Scaled so the longer side is at least 224 CSS pixels: an 8 × 8 digit is drawn 28 times larger.
        int scale = Math.Max(1, 224 / Math.Max(width, height));
        return new RowRenderer([column], schema =>
        {
            var source = Find(schema, column, c => c.Type is VectorDataViewType { ItemType: NumberDataViewType n } v && n.RawType == typeof(float) && v.Size == size,
                $"a vector of {size} floats ({width} × {height} × {channels})");
            return (row, _) =>
            {
                var pixels = ColumnText.Read<VBuffer<float>>(row, source).DenseValues().ToArray();
                string png = Convert.ToBase64String(PngImage.Encode(pixels, width, height, channels, maximum, interleaved));
                return $"<img class=\"item-image\" alt=\"{HtmlEncoder.Default.Encode(column)}\" src=\"data:image/png;base64,{png}\" width=\"{width * scale}\" height=\"{height * scale}\">";
            };
        });
    }

    /// <summary>
    /// An image file whose path is in a text column (PNG, JPEG, GIF, WebP or BMP, up to 8 MB). The
    /// file's bytes go into the page itself: the server serves no file by path.
    /// </summary>
    /// <param name="column">The text column holding the file path.</param>
    /// <param name="maxWidth">The widest the image is shown, in CSS pixels.</param>
    public static RowRenderer ImageFile(string column, int maxWidth = 480)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(column);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWidth, 16);
        return new RowRenderer([column], schema =>
        {
            var source = Find(schema, column, c => c.Type is TextDataViewType, "a text column of file paths");
            return (row, _) =>
            {
                string path = ColumnText.Read<ReadOnlyMemory<char>>(row, source).ToString();
                return ImageFiles.Html(path, maxWidth);
            };
        });
    }

    /// <summary>
    /// Your own HTML for a row. The HTML is inserted into the page as it is, so it is trusted:
    /// escape every value you take from the data (<see cref="HtmlEncoder"/>). Scripts in it do
    /// not run (the page's content security policy allows only its own script).
    /// </summary>
    /// <param name="columns">The columns it shows (not listed again below the item).</param>
    /// <param name="trustedHtml">Makes the HTML of a row; receives the row and its id.</param>
    public static RowRenderer Custom(IReadOnlyList<string> columns, Func<DataViewRow, long, string> trustedHtml)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(trustedHtml);
        return new RowRenderer(columns, _ => trustedHtml);
    }

    /// <summary>Checks the columns against <paramref name="schema"/> (errors name the column) and returns the row's HTML maker.</summary>
    internal Func<DataViewRow, long, string> Bind(DataViewSchema schema) => _bind(schema);

    private static DataViewSchema.Column Find(DataViewSchema schema, string name, Func<DataViewSchema.Column, bool> fits, string expected)
    {
        var column = schema.GetColumnOrNull(name) ?? throw new ArgumentException($"The renderer's column '{name}' is not in the queried rows (columns: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}).", "column");
        return fits(column) ? column : throw new ArgumentException($"The renderer's column '{name}' is {column.Type}, not {expected}.", "column");
    }
}
