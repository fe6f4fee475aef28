using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace DigitsSample;

/// <summary>Draws an 8×8 digit in the terminal as shading characters, for a person to label.</summary>
public static class DigitDrawing
{
    /// <summary>Shades from blank (0) to full ink (1).</summary>
    private const string Shades = " .:-=+*#%@";

    /// <summary>The drawing of <paramref name="pixels"/> (64 values in [0, 1], row-major), each pixel two characters wide so the digit keeps its shape.</summary>
    public static string Draw(ReadOnlySpan<float> pixels)
    {
        if (pixels.Length != 64) throw new ArgumentException($"A digit has 64 pixels, not {pixels.Length}.", nameof(pixels));
        var text = new StringBuilder();
        text.AppendLine("+----------------+");
        for (int y = 0; y < 8; y++)
        {
            text.Append('|');
            for (int x = 0; x < 8; x++)
            {
                char shade = Shades[(int)Math.Round(Math.Clamp(pixels[(y * 8) + x], 0f, 1f) * (Shades.Length - 1))];
                text.Append(shade).Append(shade);
            }
            text.AppendLine("|");
        }
        text.Append("+----------------+");
        return text.ToString();
    }

    /// <summary>The describe function of <c>Oracles.Console</c>: draws the row's Features (never its label).</summary>
    public static string Describe(DataViewRow row, long rowId)
    {
        ArgumentNullException.ThrowIfNull(row);
        VBuffer<float> features = default;
        row.GetGetter<VBuffer<float>>(row.Schema["Features"])(ref features);
        return $"pool row {rowId}:{Environment.NewLine}{Draw(features.DenseValues().ToArray())}";
    }
}
