using Energizer.ML.Acquisition;

namespace Energizer.ML.Orleans.Wire;

/// <summary>
/// An acquisition strategy as data, for silos: its kind and every parameter, nested for
/// combinations. <see cref="Of"/> refuses a strategy it cannot rebuild exactly (a user's own
/// subclass), checking that the rebuilt one has the same fingerprint.
/// </summary>
[GenerateSerializer]
[Alias("Energizer.ML.Orleans.StrategySpec")]
internal sealed class StrategySpec
{
    private static readonly Dictionary<string, AcquisitionStrategy> Singletons = new[]
    {
        (AcquisitionStrategy)AcquisitionStrategy.Entropy, AcquisitionStrategy.ExpectedEntropy, AcquisitionStrategy.LeastConfidence,
        AcquisitionStrategy.Margin, AcquisitionStrategy.VariationRatios, AcquisitionStrategy.MeanStd, AcquisitionStrategy.Bald,
        AcquisitionStrategy.VoteEntropy, AcquisitionStrategy.KlToConsensus, AcquisitionStrategy.CoreSet,
    }.ToDictionary(s => s.GetType().Name);

    [Id(0)]
    public string Kind { get; set; } = "";

    [Id(1)]
    public int? Seed { get; set; }

    [Id(2)]
    public double Beta { get; set; }

    [Id(3)]
    public int Mode { get; set; }

    [Id(4)]
    public int Samples { get; set; }

    [Id(5)]
    public int ShortlistSize { get; set; }

    [Id(6)]
    public List<StrategySpec> Parts { get; set; } = [];

    [Id(7)]
    public List<double> Weights { get; set; } = [];

    /// <summary>The spec of <paramref name="strategy"/>; throws, naming it, when it cannot travel.</summary>
    public static StrategySpec Of(AcquisitionStrategy strategy)
    {
        var spec = Describe(strategy);
        string rebuilt = spec.ToStrategy().Fingerprint;
        if (rebuilt != strategy.Fingerprint)
            throw new ArgumentException(
                $"Strategy {strategy.Name} ({strategy.GetType().Name}) cannot be sent to silos: rebuilt from its settings it is {rebuilt}, not {strategy.Fingerprint}.", nameof(strategy));
        return spec;
    }

    /// <summary>The strategy this spec describes.</summary>
    public AcquisitionStrategy ToStrategy() => Kind switch
    {
        nameof(RandomStrategy) => Seed is { } seed ? AcquisitionStrategy.SeededRandom(seed) : AcquisitionStrategy.Random,
        nameof(PowerBaldStrategy) => AcquisitionStrategy.PowerBald(Beta, (PowerBaldMode)Mode, Seed ?? 0, Parts[0].ToStrategy()),
        nameof(BatchBaldStrategy) => AcquisitionStrategy.BatchBald(Samples, Seed ?? 0),
        nameof(BadgeStrategy) => AcquisitionStrategy.Badge(Seed ?? 0),
        nameof(CombinedStrategy) => AcquisitionStrategy.Combine([.. Parts.Zip(Weights, (p, w) => (p.ToStrategy(), w))]),
        nameof(PreFilterStrategy) => AcquisitionStrategy.PreFilter(Parts[0].ToStrategy(), ShortlistSize, Parts[1].ToStrategy()),
        _ => Singletons.TryGetValue(Kind, out var known) ? known : throw new InvalidDataException($"Unknown strategy kind '{Kind}'."),
    };

    private static StrategySpec Describe(AcquisitionStrategy strategy) => strategy switch
    {
        RandomStrategy r => new() { Kind = nameof(RandomStrategy), Seed = r.Seed },
        PowerBaldStrategy p => new() { Kind = nameof(PowerBaldStrategy), Beta = p.Beta, Mode = (int)p.Mode, Seed = p.Seed, Parts = [Describe(p.BaseStrategy)] },
        BatchBaldStrategy b => new() { Kind = nameof(BatchBaldStrategy), Samples = b.Samples, Seed = b.Seed },
        BadgeStrategy b => new() { Kind = nameof(BadgeStrategy), Seed = b.Seed },
        CombinedStrategy c => new() { Kind = nameof(CombinedStrategy), Parts = [.. c.Parts.Select(p => Describe(p.Strategy))], Weights = [.. c.Parts.Select(p => p.Weight)] },
        PreFilterStrategy f => new() { Kind = nameof(PreFilterStrategy), ShortlistSize = f.ShortlistSize, Parts = [Describe(f.First), Describe(f.Diversity)] },
        _ when Singletons.ContainsKey(strategy.GetType().Name) => new() { Kind = strategy.GetType().Name },
        _ => throw new ArgumentException(
            $"Strategy {strategy.Name} ({strategy.GetType().Name}) cannot be sent to silos: only the library's strategies can; score on one machine (the default pool scorer) instead.",
            nameof(strategy)),
    };
}
