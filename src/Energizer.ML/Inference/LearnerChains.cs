using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Inference;

/// <summary>Finds the model of a given type at the end of a fitted learner chain.</summary>
internal static class LearnerChains
{
    /// <summary>The TorchClassifier at the end of <paramref name="learner"/>, with the transformers before it.</summary>
    public static (ITransformer? Prefix, TorchClassifierTransformer Model)? Find(ITransformer learner) => FindLast<TorchClassifierTransformer>(learner);

    /// <summary>
    /// Returns the transformers before the last one (null when there are none) and the last one,
    /// when it is a <typeparamref name="T"/>; null otherwise. Nested chains are looked into.
    /// </summary>
    public static (ITransformer? Prefix, T Model)? FindLast<T>(ITransformer learner)
        where T : class, ITransformer
    {
        if (learner is T model) return (null, model);
        if (learner is not IEnumerable<ITransformer> chain) return null;
        var parts = chain.ToList();
        if (parts.Count == 0 || FindLast<T>(parts[^1]) is not { } last) return null;
        var before = parts.Take(parts.Count - 1).ToList();
        if (last.Prefix is not null) before.Add(last.Prefix);
        return (before.Count == 0 ? null : new TransformerChain<ITransformer>([.. before]), last.Model);
    }

    /// <summary>The name of the learner's last transformer, for error messages.</summary>
    public static string LastName(ITransformer learner) =>
        learner is IEnumerable<ITransformer> chain && chain.LastOrDefault() is { } last ? LastName(last) : learner.GetType().Name;
}
