using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Inference;

/// <summary>Finds the TorchClassifier at the end of a fitted learner chain.</summary>
internal static class TorchLearner
{
    /// <summary>
    /// Returns the transformers before the TorchClassifier (null when there are none) and the
    /// TorchClassifier itself; null when the learner does not end with one.
    /// </summary>
    public static (ITransformer? Prefix, TorchClassifierTransformer Model)? Find(ITransformer learner)
    {
        if (learner is TorchClassifierTransformer torch) return (null, torch);
        if (learner is not IEnumerable<ITransformer> chain) return null;
        var parts = chain.ToList();
        if (parts.Count == 0 || Find(parts[^1]) is not { } last) return null;
        var before = parts.Take(parts.Count - 1).ToList();
        if (last.Prefix is not null) before.Add(last.Prefix);
        return (before.Count == 0 ? null : new TransformerChain<ITransformer>([.. before]), last.Model);
    }

    /// <summary>The name of the learner's last transformer, for error messages.</summary>
    public static string LastName(ITransformer learner) =>
        learner is IEnumerable<ITransformer> chain && chain.LastOrDefault() is { } last ? LastName(last) : learner.GetType().Name;
}
