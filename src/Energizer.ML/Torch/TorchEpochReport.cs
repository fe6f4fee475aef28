namespace Energizer.ML.Torch;

/// <summary>What <see cref="TorchClassifierTrainer"/> reports after each epoch.</summary>
/// <param name="Epoch">The epoch just finished, from 1.</param>
/// <param name="Epochs">The number of epochs the fit runs: <see cref="TorchClassifierOptions.Epochs"/>, raised by <see cref="TorchClassifierOptions.MinimumSteps"/> (training may stop early).</param>
/// <param name="TrainingLoss">The mean training loss over the epoch's rows.</param>
/// <param name="ValidationLoss">The mean cross-entropy on <see cref="TorchClassifierOptions.ValidationData"/>, or null without validation data.</param>
/// <param name="ValidationAccuracy">The fraction of validation rows predicted right, or null without validation data.</param>
/// <param name="Elapsed">Time since training started.</param>
public sealed record TorchEpochReport(
    int Epoch,
    int Epochs,
    double TrainingLoss,
    double? ValidationLoss,
    double? ValidationAccuracy,
    TimeSpan Elapsed);
