using Energizer.ML.Acquisition;

namespace Energizer.ML.Loop;

/// <summary>
/// One step of <see cref="ActiveLearningOptions.StrategySchedule"/>: from
/// <paramref name="FromLabelledCount"/> labelled rows on, queries use <paramref name="Strategy"/>.
/// </summary>
/// <param name="FromLabelledCount">The labelled count (the initial set included) from which this strategy is used; at least 1.</param>
/// <param name="Strategy">The strategy of the queries made with that many labels or more.</param>
public sealed record StrategyPhase(int FromLabelledCount, AcquisitionStrategy Strategy);
