namespace Energizer.ML.Labelling;

/// <summary>The open query's rows: those still to answer (in query order) and those answered.</summary>
internal sealed record QueryStatus(int Round, IReadOnlyList<long> Remaining, IReadOnlyList<long> Answered);
