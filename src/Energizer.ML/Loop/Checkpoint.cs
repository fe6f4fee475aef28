using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Energizer.ML.Loop;

/// <summary>
/// The loop's saved state: written atomically (temporary file, flushed to disk, renamed) with a
/// SHA-256 of its content, so a torn or edited file is detected rather than trusted.
/// </summary>
internal sealed class Checkpoint
{
    public const string FileName = "energizer-checkpoint.json";
    private const string Header = "energizer-ml-checkpoint v2 sha256=";
    private const string FirstVersionHeader = "energizer-ml-checkpoint v1 ";
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>What identifies the run (see <see cref="RunFingerprint"/>): a run with another fingerprint may not resume it.</summary>
    public Dictionary<string, string> Fingerprint { get; set; } = [];

    /// <summary>The learner's settings: a run with others may resume, and the difference is logged.</summary>
    public string Learner { get; set; } = "";

    /// <summary>The warm-start weights the next fit starts from; null when the run does not warm-start or has none yet.</summary>
    public WarmStartRecord? WarmStart { get; set; }

    public List<LabelRecord> Labels { get; set; } = [];

    public List<RoundReport> Reports { get; set; } = [];

    /// <summary>The round whose selection is being labelled, with the report made before labelling; null between rounds.</summary>
    public RoundReport? Pending { get; set; }

    /// <summary>Ids answered (labelled, skipped or rejected) for the pending selection.</summary>
    public List<long> PendingAnswered { get; set; } = [];

    public List<string> PendingRejections { get; set; } = [];

    /// <summary>Rows the oracle skipped or whose answers were rejected: never asked again in this run.</summary>
    public List<long> Unanswered { get; set; } = [];

    /// <summary>What was refused while the initial set was labelled (before round 0), for <see cref="ActiveLearningResult.InitialRejections"/>.</summary>
    public List<string> InitialRejections { get; set; } = [];

    public bool InitialDone { get; set; }

    /// <summary>The last model's predictions on the stop set (stabilizing-predictions criterion).</summary>
    public List<int>? PreviousStopSet { get; set; }

    public bool Finished { get; set; }

    public sealed record LabelRecord(long RowId, string Label, int Round);

    /// <summary>A warm-start weights file in the checkpoint directory, the round whose fit wrote it, and its SHA-256.</summary>
    public sealed record WarmStartRecord(int Round, string FileName, string Sha256);

    public static string PathIn(string directory) => System.IO.Path.Combine(directory, FileName);

    /// <summary>Reads the checkpoint in <paramref name="directory"/>, or null when there is none.</summary>
    public static Checkpoint? Load(string directory, IReadOnlyDictionary<string, string> fingerprint)
    {
        string path = PathIn(directory);
        if (!File.Exists(path)) return null;
        string text = File.ReadAllText(path, Encoding.UTF8);
        if (text.StartsWith(FirstVersionHeader, StringComparison.Ordinal))
            throw new InvalidDataException($"{path} was written by an earlier Energizer.ML, whose checkpoints do not identify the run fully, so it cannot be resumed. It was left untouched; use another CheckpointDirectory or move the file away.");
        int newline = text.IndexOf('\n', StringComparison.Ordinal);
        if (newline < 0 || !text.StartsWith(Header, StringComparison.Ordinal))
            throw new InvalidDataException($"{path} is not an Energizer.ML checkpoint (its first line is not '{Header}…'). It was left untouched; use another CheckpointDirectory or move the file away.");
        string expected = text[Header.Length..newline].Trim();
        string body = text[(newline + 1)..];
        if (!string.Equals(expected, Hash(body), StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{path} is corrupt: its SHA-256 does not match its content. It was left untouched; restore it or move it away to start over.");
        var state = JsonSerializer.Deserialize<Checkpoint>(body, Json)
            ?? throw new InvalidDataException($"{path} holds no state.");
        if (RunFingerprint.Differences(state.Fingerprint, fingerprint) is { Length: > 0 } differences)
            throw new InvalidDataException(
                $"{path} was written by a different run: {differences}. It was left untouched; use another CheckpointDirectory to start this run.");
        return state;
    }

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        string body = JsonSerializer.Serialize(this, Json);
        WriteDurably(PathIn(directory), Encoding.UTF8.GetBytes(Header + Hash(body) + "\n" + body));
    }

    private static string Hash(string body) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(body)));

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> as the checkpoint itself is written: temporary file, flushed to disk, renamed.</summary>
    public static void WriteDurably(string path, ReadOnlySpan<byte> bytes)
    {
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
