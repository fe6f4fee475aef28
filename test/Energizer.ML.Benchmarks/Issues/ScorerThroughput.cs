using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Torch;
using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Benchmarks.Issues;

/// <summary>
/// Issue 5: reading the Acquisition column of the scorer transformer (TorchClassifier MLP
/// 64-256-128-10, deterministic inference, Entropy, batches of 256) over the digits ×10, vs a
/// hand-written batched forward + softmax + the same entropy over the same rows held in a tensor.
/// </summary>
internal static class ScorerThroughput
{
    private const int BatchSize = 256;

    public static void Run()
    {
        Measure.Threads();
        var mlContext = new MLContext(seed: 1);
        var data = new DigitsBenchmarkData(mlContext, copies: 10);
        using var model = new TorchClassifierTrainer(new TorchClassifierOptions { Network = Networks.Mlp([256, 128], 0.2), Epochs = 1, BatchSize = BatchSize }).Fit(data.Data);
        var scored = mlContext.ActiveLearning().ScoreAcquisition(model, AcquisitionStrategy.Entropy, InferenceMode.Deterministic, batchSize: BatchSize)
            .Fit(data.Data).Transform(data.Data);
        using var features = torch.tensor(data.FlatFeatures, [data.Count, DigitsBenchmarkData.Features]);
        var handScores = new float[data.Count];
        var scorerScores = new float[data.Count];

        void HandWritten()
        {
            using var noGrad = torch.no_grad();
            for (long start = 0; start < data.Count; start += BatchSize)
            {
                using var scope = torch.NewDisposeScope();
                int n = (int)Math.Min(BatchSize, data.Count - start);
                var probabilities = nn.functional.softmax(model.Network.call(features.narrow(0, start, n)), 1).data<float>().ToArray();
                for (int i = 0; i < n; i++)
                {
                    double h = 0;
                    for (int c = 0; c < DigitsBenchmarkData.Classes; c++)
                    {
                        double p = probabilities[(i * DigitsBenchmarkData.Classes) + c];
                        if (p > 0) h -= p * Math.Log(p);
                    }
                    handScores[start + i] = (float)h;
                }
            }
        }

        void Scorer()
        {
            using var cursor = scored.GetRowCursor([scored.Schema["Acquisition"]]);
            var getter = cursor.GetGetter<float>(scored.Schema["Acquisition"]);
            float value = 0;
            int i = 0;
            while (cursor.MoveNext())
            {
                getter(ref value);
                scorerScores[i++] = value;
            }
        }

        // For locating the scorer's cost: the learner's own lazy Score column over the same IDataView (features read, forward, softmax).
        var learnerScored = model.Transform(data.Data);
        void LearnerOnly()
        {
            using var cursor = learnerScored.GetRowCursor([learnerScored.Schema["Score"]]);
            var getter = cursor.GetGetter<Microsoft.ML.Data.VBuffer<float>>(learnerScored.Schema["Score"]);
            Microsoft.ML.Data.VBuffer<float> value = default;
            while (cursor.MoveNext()) getter(ref value);
        }

        HandWritten();
        Scorer();
        double maxDiff = handScores.Zip(scorerScores, (a, b) => Math.Abs(a - b)).Max();
        if (maxDiff > 1e-4) throw new InvalidOperationException($"Scorer and hand-written entropies differ by {maxDiff}.");
        Console.WriteLine($"Scorer throughput, {data.Count} rows (digits x10), MLP 64-256-128-10, deterministic, Entropy; check: max |diff| of scores = {maxDiff:G3}");
        var ms = Measure.Interleaved(11, ("hand-written batched forward + entropy (tensor in memory)", HandWritten), ("scorer transformer, reading Acquisition", Scorer),
            ("(for reference) TorchClassifierTransformer alone, reading Score", LearnerOnly));
        Console.WriteLine($"  rows/s: hand-written {data.Count / ms[0] * 1000:F0}, scorer {data.Count / ms[1] * 1000:F0}");
        Console.WriteLine($"  RATIO scorer / hand-written throughput = {ms[0] / ms[1]:F2} (target >= 0.95)   [torch threads {torch.get_num_threads()}]");
        Console.WriteLine($"  (reference) learner transformer alone / hand-written = {ms[0] / ms[2]:F2}; scorer / learner transformer alone = {ms[2] / ms[1]:F2}");
    }
}
