using System.Globalization;
using System.Text;
using Energizer.ML.Loop;

namespace Energizer.ML.Labelling;

/// <summary>The learning curve so far as an SVG: accuracy (test set, else validation rows) against labels.</summary>
internal static class CurveSvg
{
    private const int Width = 420;
    private const int Height = 220;
    private const int Left = 48;
    private const int Right = 12;
    private const int Top = 12;
    private const int Bottom = 36;

    /// <summary>The SVG, or null while no round has an accuracy.</summary>
    public static string? Draw(IReadOnlyList<RoundReport> reports)
    {
        var points = reports
            .Select(r => (r.LabelledCount, Accuracy: r.Metrics?.MicroAccuracy ?? r.ValidationMetrics?.MicroAccuracy))
            .Where(p => p.Accuracy is not null && p.LabelledCount > 0)
            .Select(p => (X: (double)p.LabelledCount, Y: p.Accuracy!.Value))
            .ToList();
        if (points.Count == 0) return null;
        string source = reports.Any(r => r.Metrics is not null) ? "test accuracy" : "validation accuracy";
        double minX = points.Min(p => p.X), maxX = Math.Max(points.Max(p => p.X), minX + 1);
        double minY = Math.Floor(points.Min(p => p.Y) * 10) / 10, maxY = Math.Min(1, (Math.Floor(points.Max(p => p.Y) * 10) / 10) + 0.1);
        if (maxY <= minY) maxY = minY + 0.1;
        var c = CultureInfo.InvariantCulture;
        string X(double x) => (Left + ((x - minX) / (maxX - minX) * (Width - Left - Right))).ToString("F1", c);
        string Y(double y) => (Top + ((maxY - y) / (maxY - minY) * (Height - Top - Bottom))).ToString("F1", c);
        var svg = new StringBuilder();
        svg.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"curve\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-label=\"Learning curve: {source} against labels\">");
        svg.Append(c, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\" fill=\"#fafafa\" stroke=\"#bbb\"/>");
        foreach (double tick in new[] { minY, (minY + maxY) / 2, maxY })
            svg.Append(c, $"<text x=\"{Left - 6}\" y=\"{Y(tick)}\" text-anchor=\"end\" dominant-baseline=\"middle\" font-size=\"11\">{tick:F2}</text>");
        svg.Append(c, $"<text x=\"{Left}\" y=\"{Height - 20}\" font-size=\"11\">{minX:F0}</text>");
        svg.Append(c, $"<text x=\"{Width - Right}\" y=\"{Height - 20}\" text-anchor=\"end\" font-size=\"11\">{maxX:F0}</text>");
        svg.Append(c, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 6}\" text-anchor=\"middle\" font-size=\"11\">labels ({source})</text>");
        svg.Append("<polyline fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"2\" points=\"");
        svg.AppendJoin(' ', points.Select(p => $"{X(p.X)},{Y(p.Y)}"));
        svg.Append("\"/>");
        foreach (var p in points)
            svg.Append(c, $"<circle class=\"curve-point\" cx=\"{X(p.X)}\" cy=\"{Y(p.Y)}\" r=\"3.5\" fill=\"#1f6feb\"><title>{p.X:F0} labels: {p.Y:F3}</title></circle>");
        svg.Append("</svg>");
        return svg.ToString();
    }
}
