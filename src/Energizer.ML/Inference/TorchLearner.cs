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
    public static (ITransformer? Prefix, TorchClassifierTransformer Model)? Find(ITransformer learner) => FindLast<TorchClassifierTransformer>(learner);

    /// <summary>
    /// Returns the transformers before the <typeparamref name="T"/> that ends the learner chain
    /// (null when there are none) and that transformer; null when the chain does not end with one.
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
