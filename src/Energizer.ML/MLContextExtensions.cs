using Microsoft.ML;

namespace Energizer.ML;

/// <summary>Entry points of Energizer.ML on <see cref="MLContext"/>.</summary>
public static class MLContextExtensions
{
    /// <summary>The active-learning catalog: pool scoring, top-k selection, the trainer.</summary>
    public static ActiveLearningCatalog ActiveLearning(this MLContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new ActiveLearningCatalog(context);
    }
}
