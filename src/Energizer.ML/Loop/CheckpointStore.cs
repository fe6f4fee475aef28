using System.Security.Cryptography;
using Energizer.ML.Torch;
using Microsoft.ML.Runtime;
using TorchSharp;

namespace Energizer.ML.Loop;

/// <summary>
/// The run's state on disk: the checkpoint (when <see cref="ActiveLearningOptions.CheckpointDirectory"/>
/// is set; otherwise only in memory) and the warm-start weights it names. Weights are written per
/// round before the checkpoint naming them with their SHA-256, and older rounds' files are removed
/// only once that checkpoint is durable, so a kill at any point leaves a consistent pair
/// (docs/design.md, "The loop and its checkpoints").
/// </summary>
internal sealed class CheckpointStore
{
    private const string WarmStartFilePrefix = "energizer-warm-start-round-";
    private readonly string? _directory;

    /// <summary>Loads the checkpoint in <paramref name="directory"/> (refusing another run's), or starts a new state.</summary>
    public CheckpointStore(string? directory, IReadOnlyDictionary<string, string> fingerprint)
    {
        _directory = directory;
        State = (directory is null ? null : Checkpoint.Load(directory, fingerprint)) ?? new Checkpoint { Fingerprint = new(fingerprint) };
    }

    /// <summary>The state: saved by <see cref="Save"/>.</summary>
    public Checkpoint State { get; }

    /// <summary>Called with the round after its warm-start weights are written, before the checkpoint naming them: tests kill the run there.</summary>
    public Action<int>? AfterWarmStartWeightsWritten { get; init; }

    /// <summary>Records the learner's settings; logs it when they differ from those of the run that wrote the checkpoint.</summary>
    public void RecordLearner(string settings, IChannel log)
    {
        if (State.Learner.Length > 0 && State.Learner != settings)
            log.Warning(MessageSensitivity.None,
                $"The learner settings differ from the checkpoint's: {State.Learner} in the checkpoint, {settings} in this run. The run resumes with this run's learner.");
        State.Learner = settings;
    }

    /// <summary>Writes the state durably; nothing without a directory.</summary>
    public void Save()
    {
        if (_directory is not null) State.Save(_directory);
    }

    /// <summary>
    /// Writes <paramref name="model"/>'s weights for the next round's warm start under a name with
    /// <paramref name="round"/>, and records them in the state the next <see cref="Save"/> writes.
    /// </summary>
    public void SaveWarmStart(int round, TorchClassifierTransformer model)
    {
        if (_directory is null) return;
        Directory.CreateDirectory(_directory);
        using var weights = new MemoryStream();
        model.Save(weights);
        var bytes = weights.GetBuffer().AsSpan(0, (int)weights.Length);
        string name = FormattableString.Invariant($"{WarmStartFilePrefix}{round}.bin");
        Checkpoint.WriteDurably(Path.Combine(_directory, name), bytes);
        AfterWarmStartWeightsWritten?.Invoke(round);
        State.WarmStart = new Checkpoint.WarmStartRecord(round, name, Convert.ToHexString(SHA256.HashData(bytes)));
    }

    /// <summary>Deletes warm-start weights the saved checkpoint no longer names (earlier rounds', or a killed run's newer ones).</summary>
    public void RemoveOtherWarmStarts()
    {
        if (State.WarmStart is not { } current || _directory is null) return;
        foreach (string path in Directory.EnumerateFiles(_directory, WarmStartFilePrefix + "*.bin"))
            if (Path.GetFileName(path) != current.FileName) File.Delete(path);
    }

    /// <summary>The warm-start weights the checkpoint names, or null; a file that is missing or whose SHA-256 differs is refused.</summary>
    public TorchClassifierTransformer? LoadWarmStart(Func<int, int, torch.nn.Module<torch.Tensor, torch.Tensor>> network)
    {
        if (State.WarmStart is not { } weights || _directory is null) return null;
        string path = Path.Combine(_directory, weights.FileName);
        if (!File.Exists(path))
            throw new InvalidDataException($"{Checkpoint.PathIn(_directory)} names the warm-start weights {path} of round {weights.Round}, which are missing. Restore them, or use another CheckpointDirectory.");
        byte[] bytes = File.ReadAllBytes(path);
        if (!string.Equals(Convert.ToHexString(SHA256.HashData(bytes)), weights.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{path}: its SHA-256 does not match the checkpoint's (round {weights.Round}). It was left untouched; restore it, or use another CheckpointDirectory.");
        using var stream = new MemoryStream(bytes, writable: false);
        return TorchClassifierTransformer.Load(stream, network);
    }
}
