using Microsoft.ML;

namespace Energizer.ML.Onnx;

/// <summary>Saving models so that a failed save leaves no partial file.</summary>
public static class ModelSavingExtensions
{
    /// <summary>
    /// <c>mlContext.Model.Save</c> into a temporary file next to <paramref name="path"/>, then a
    /// move onto it: when saving throws (e.g. a TorchClassifier network with a layer that cannot
    /// be exported to ONNX), <paramref name="path"/> keeps whatever it held before and no partial
    /// zip is left behind, unlike a direct <c>Save</c>.
    /// </summary>
    public static void SaveAtomically(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string path)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            catalog.Save(model, inputSchema, temporary);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
