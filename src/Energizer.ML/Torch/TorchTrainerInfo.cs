namespace Energizer.ML.Torch;

/// <summary>
/// What <see cref="TorchClassifierTrainer"/> expects of its data, like ML.NET's <c>TrainerInfo</c>
/// (whose constructor is not public).
/// </summary>
/// <param name="NeedNormalization">Whether features should be scaled first (true: networks train best on inputs of unit scale).</param>
/// <param name="NeedCalibration">Whether scores need calibrating (false: Score already holds softmax probabilities).</param>
/// <param name="WantCaching">Whether the data should be cached before training (false: the trainer reads it once into memory).</param>
/// <param name="SupportsValidation">Whether validation data is used (true: <see cref="TorchClassifierOptions.ValidationData"/>).</param>
public sealed record TorchTrainerInfo(bool NeedNormalization, bool NeedCalibration, bool WantCaching, bool SupportsValidation);
