using Energizer.ML.Inference;

namespace Energizer.ML.Orleans.Wire;

/// <summary>An inference mode as data, for silos (Deterministic, MC-Dropout with every setting, Ensemble).</summary>
[GenerateSerializer]
[Alias("Energizer.ML.Orleans.InferenceSpec")]
internal sealed class InferenceSpec
{
    [Id(0)]
    public string Kind { get; set; } = "";

    [Id(1)]
    public int Iterations { get; set; }

    [Id(2)]
    public bool Consistent { get; set; }

    [Id(3)]
    public double? Probability { get; set; }

    [Id(4)]
    public bool Inplace { get; set; }

    [Id(5)]
    public int Seed { get; set; }

    /// <summary>The spec of <paramref name="mode"/>; throws, naming it, when it cannot travel.</summary>
    public static InferenceSpec Of(InferenceMode mode) => mode switch
    {
        DeterministicInference => new() { Kind = nameof(InferenceMode.Deterministic) },
        EnsembleInference => new() { Kind = nameof(InferenceMode.Ensemble) },
        McDropoutInference m => new()
        {
            Kind = nameof(InferenceMode.McDropout),
            Iterations = m.Iterations,
            Consistent = m.Consistent,
            Probability = m.Probability,
            Inplace = m.Inplace,
            Seed = m.Seed,
        },
        _ => throw new ArgumentException($"Inference mode {mode.Name} ({mode.GetType().Name}) cannot be sent to silos: only the library's modes can.", nameof(mode)),
    };

    /// <summary>The mode this spec describes.</summary>
    public InferenceMode ToMode() => Kind switch
    {
        nameof(InferenceMode.Deterministic) => InferenceMode.Deterministic,
        nameof(InferenceMode.Ensemble) => InferenceMode.Ensemble(),
        nameof(InferenceMode.McDropout) => InferenceMode.McDropout(Iterations, Consistent, Probability, Inplace, Seed),
        _ => throw new InvalidDataException($"Unknown inference kind '{Kind}'."),
    };
}
