using System.Runtime.CompilerServices;
using System.Text.Json;
using Energizer.ML.Acquisition;
using Energizer.ML.Loop;
using Microsoft.ML;

namespace Energizer.ML.Tests.Loop;

/// <summary>An oracle takes an answer back (a person's undo): the label leaves the checkpoint at once and the row is answered again.</summary>
[TestClass]
public sealed class RetractionTests
{
    /// <summary>
    /// Round 0: the first row is answered with a wrong key, taken back, checked on disk, then
    /// answered right; the query's last row is "taken back" before it was answered (refused); every
    /// other answer is the row's band.
    /// </summary>
    private sealed class ChangeOfMindOracle(string checkpointDirectory) : IOracle
    {
        public long Corrected { get; private set; } = -1;

        public long TakenBackTooEarly { get; private set; } = -1;

        public List<string> LabelsOnDiskAfterRetraction { get; } = [];

        public async IAsyncEnumerable<OracleAnswer> LabelAsync(OracleQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (long id in query.RowIds)
            {
                uint right = Key(id);
                if (query.Round == 0 && Corrected < 0)
                {
                    Corrected = id;
                    yield return new OracleAnswer(id, right % 3 + 1);
                    yield return OracleAnswer.Retract(id);
                    // The loop asks for the next answer only after saving: the retraction is on disk.
                    LabelsOnDiskAfterRetraction.AddRange(LabelsOnDisk(checkpointDirectory).Where(l => l.RowId == id).Select(l => l.Label));
                    TakenBackTooEarly = query.RowIds[^1];
                    yield return OracleAnswer.Retract(TakenBackTooEarly);
                }
                yield return new OracleAnswer(id, right);
            }
            await Task.CompletedTask;
        }
    }

    /// <summary>ThreeClassPool's label of row i of 30 (x = 3i/30, band = floor(x)) as its key (band + 1).</summary>
    private static uint Key(long id) => (uint)Math.Min(2, (int)(3f * id / 30)) + 1;

    private static List<(long RowId, string Label)> LabelsOnDisk(string directory)
    {
        string text = File.ReadAllText(Path.Combine(directory, "energizer-checkpoint.json"));
        using var json = JsonDocument.Parse(text[(text.IndexOf('\n', StringComparison.Ordinal) + 1)..]);
        return [.. json.RootElement.GetProperty("Labels").EnumerateArray().Select(l => (l.GetProperty("RowId").GetInt64(), l.GetProperty("Label").GetString()!))];
    }

    [TestMethod]
    public void ARetractedAnswerLeavesTheCheckpointAndTheRowIsAnsweredAgain()
    {
        var ml = new MLContext(1);
        using var directory = new TemporaryDirectory("energizer-retract-");
        var oracle = new ChangeOfMindOracle(directory.Path);
        var result = ml.ActiveLearning().Trainer(new ActiveLearningOptions
        {
            Strategy = AcquisitionStrategy.Margin,
            InitialLabelledCount = 6,
            QuerySize = 3,
            MaxRounds = 1,
            Seed = 3,
            CheckpointDirectory = directory.Path,
        }).Fit(ThreeClassPool.Logistic(ml), ThreeClassPool.Create(ml, rows: 30), oracle);

        Assert.IsEmpty(oracle.LabelsOnDiskAfterRetraction, "the wrong label was removed from the checkpoint before the next answer");
        var round0 = result.Rounds[0];
        CollectionAssert.Contains(round0.SelectedRowIds.ToList(), oracle.Corrected);
        Assert.HasCount(9, result.Labels, "6 initial rows and the 3 of round 0, the corrected and the early-retracted one included");
        foreach (var (id, key) in result.GetLabels<uint>()) Assert.AreEqual(Key(id), key, $"row {id}");
        Assert.HasCount(1, LabelsOnDisk(directory.Path).Where(l => l.RowId == oracle.Corrected), "one record for the corrected row");
        Assert.HasCount(1, round0.Rejections);
        Assert.AreEqual($"The oracle took back its answer about row {oracle.TakenBackTooEarly}, which it had not answered in this query; nothing changed.", round0.Rejections[0]);
        Assert.IsEmpty(round0.UnlabelledRowIds);
    }
}
