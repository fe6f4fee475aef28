namespace Energizer.ML.Inference;

/// <summary>A dropout child of a Sequential: its kind, its rate (or the MC-Dropout override) and its name.</summary>
internal readonly record struct DropoutLayer(DropoutKind Kind, double Rate, string Name);
