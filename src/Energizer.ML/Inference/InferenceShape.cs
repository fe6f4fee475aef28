namespace Energizer.ML.Inference;

/// <summary>The sizes a binding of an inference mode gives a pool: C classes, T passes, D embedding values (0: none).</summary>
internal readonly record struct InferenceShape(int ClassCount, int Iterations, int EmbeddingSize);
