using Energizer.ML.Scoring;
using Microsoft.ML.Data;

namespace Energizer.ML.Orleans.Wire;

/// <summary>The scorer's options as data, for silos: the same strategy, inference mode, seeds, batch size and columns.</summary>
[GenerateSerializer]
[Alias("Energizer.ML.Orleans.ScoringRecipe")]
internal sealed class ScoringRecipe
{
    [Id(0)]
    public StrategySpec Strategy { get; set; } = new();

    [Id(1)]
    public InferenceSpec Inference { get; set; } = new();

    [Id(2)]
    public int BatchSize { get; set; }

    [Id(3)]
    public string? IdColumnName { get; set; }

    [Id(4)]
    public string? EmbeddingColumnName { get; set; }

    [Id(5)]
    public string LabelColumnName { get; set; } = "";

    [Id(6)]
    public string LabelType { get; set; } = "";

    [Id(7)]
    public string OutputColumnName { get; set; } = "";

    [Id(8)]
    public double ProbabilityTolerance { get; set; }

    /// <summary>The recipe of <paramref name="options"/>; throws, naming the part, when it cannot travel.</summary>
    public static ScoringRecipe Of(AcquisitionScorerOptions options) => new()
    {
        Strategy = StrategySpec.Of(options.Strategy ?? throw new ArgumentException("AcquisitionScorerOptions.Strategy must be set.", nameof(options))),
        Inference = InferenceSpec.Of(options.Inference),
        BatchSize = options.BatchSize,
        IdColumnName = options.IdColumnName,
        EmbeddingColumnName = options.EmbeddingColumnName,
        LabelColumnName = options.LabelColumnName,
        LabelType = TypeName(options.LabelType),
        OutputColumnName = options.OutputColumnName,
        ProbabilityTolerance = options.ProbabilityTolerance,
    };

    /// <summary>The scorer's options this recipe describes.</summary>
    public AcquisitionScorerOptions ToOptions() => new()
    {
        Strategy = Strategy.ToStrategy(),
        Inference = Inference.ToMode(),
        BatchSize = BatchSize,
        IdColumnName = IdColumnName,
        EmbeddingColumnName = EmbeddingColumnName,
        LabelColumnName = LabelColumnName,
        LabelType = TypeOf(LabelType),
        OutputColumnName = OutputColumnName,
        ProbabilityTolerance = ProbabilityTolerance,
    };

    private static string TypeName(DataViewType type) => type switch
    {
        TextDataViewType => "Text",
        BooleanDataViewType => "Boolean",
        KeyDataViewType key when key.RawType == typeof(uint) => FormattableString.Invariant($"Key:{key.Count}"),
        NumberDataViewType number => number.RawType.Name,
        _ => throw new ArgumentException($"Label type {type} cannot be sent to silos: use text, a number, a Boolean or a UInt32 key."),
    };

    private static DataViewType TypeOf(string name)
    {
        if (name.StartsWith("Key:", StringComparison.Ordinal)) return new KeyDataViewType(typeof(uint), ulong.Parse(name[4..], System.Globalization.CultureInfo.InvariantCulture));
        return name switch
        {
            "Text" => TextDataViewType.Instance,
            "Boolean" => BooleanDataViewType.Instance,
            nameof(Single) => NumberDataViewType.Single,
            nameof(Double) => NumberDataViewType.Double,
            nameof(Int32) => NumberDataViewType.Int32,
            nameof(Int64) => NumberDataViewType.Int64,
            nameof(UInt32) => NumberDataViewType.UInt32,
            nameof(UInt64) => NumberDataViewType.UInt64,
            _ => throw new InvalidDataException($"Unknown label type '{name}'."),
        };
    }
}
