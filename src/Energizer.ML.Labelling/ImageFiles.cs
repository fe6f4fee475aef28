using System.Text.Encodings.Web;

namespace Energizer.ML.Labelling;

/// <summary>Puts an image file into the page as a data URI (the server serves no file by path).</summary>
internal static class ImageFiles
{
    private const long MaxBytes = 8 * 1024 * 1024;

    private static readonly Dictionary<string, string> MediaTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif",
        [".webp"] = "image/webp",
        [".bmp"] = "image/bmp",
    };

    /// <summary>An img element with the file's bytes, or an escaped note saying why the file cannot be shown.</summary>
    public static string Html(string path, int maxWidth)
    {
        string encodedPath = HtmlEncoder.Default.Encode(path);
        if (!MediaTypes.TryGetValue(Path.GetExtension(path), out string? mediaType))
            return $"<p class=\"item-note\">Not an image this page shows (PNG, JPEG, GIF, WebP, BMP): {encodedPath}</p>";
        var file = new FileInfo(path);
        if (!file.Exists) return $"<p class=\"item-note\">Image file not found: {encodedPath}</p>";
        if (file.Length > MaxBytes) return $"<p class=\"item-note\">Image file larger than {MaxBytes / (1024 * 1024)} MB: {encodedPath}</p>";
        string data = Convert.ToBase64String(File.ReadAllBytes(path));
        return $"<img class=\"item-photo\" alt=\"{encodedPath}\" style=\"max-width:{maxWidth}px\" src=\"data:{mediaType};base64,{data}\">";
    }
}
