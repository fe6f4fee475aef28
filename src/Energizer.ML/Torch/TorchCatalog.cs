using Microsoft.ML;

namespace Energizer.ML.Torch;

/// <summary>
/// <c>mlContext.MulticlassClassification.Trainers.TorchClassifier(...)</c>.
/// <para>
/// MLContext access: the trainers catalog hides its <see cref="MLContext"/> behind an internal
/// interface (docs/design.md, "Platform facts"), so the trainer works without it: the seed comes from
/// <see cref="TorchClassifierOptions.Seed"/> and log lines go to
/// <see cref="TorchClassifierOptions.Log"/>, not to <c>mlContext.Log</c>. No reflection into
/// ML.NET, so nothing breaks when its internals change.
/// </para>
/// </summary>
public static class TorchCatalog
{
    /// <summary>A trainer of a TorchSharp network for multiclass classification; see <see cref="TorchClassifierOptions"/>.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="options">Network, training and column options; defaults when null.</param>
    public static TorchClassifierTrainer TorchClassifier(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        TorchClassifierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TorchClassifierTrainer(options ?? new TorchClassifierOptions());
    }
}
