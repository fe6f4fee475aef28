using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Torch;
using Microsoft.ML;
using TorchSharp;

namespace Energizer.ML.Benchmarks.Issues;

/// <summary>
/// Issue 12: the fixed cost of a scoring pass with fresh MC-Dropout masks on a small pool. Score +
/// SelectTopK(k = 10) with an MLP 64-256-256-10 (dropout 0.5), MC-Dropout T = 20 and BALD, fresh
/// vs consistent masks, deterministic Entropy for scale, and the same T passes at rate 0 (the dense
/// matrix work fresh masks cannot avoid: consistent masks multiply only kept units, keep² of it),
/// on 900 digits and on those rows ×10.
/// </summary>
internal static class SmallPoolMcDropout
{
    public static void Run()
    {
        Measure.Threads();
        var mlContext = new MLContext(seed: 1);
        var full = new DigitsBenchmarkData(mlContext, copies: 1);
        var small = mlContext.Data.TakeRows(full.Data, 900);
        var large = mlContext.Data.Cache(mlContext.Data.LoadFromEnumerable(
            Enumerable.Repeat(mlContext.Data.CreateEnumerable<DigitsBenchmarkData.Row>(small, reuseRowObject: false).ToList(), 10).SelectMany(r => r),
            Microsoft.ML.Data.SchemaDefinition.Create(typeof(DigitsBenchmarkData.Row))));
        using var model = new TorchClassifierTrainer(new TorchClassifierOptions { Network = Networks.Mlp([256, 256], 0.5), Epochs = 1, BatchSize = 64, Seed = 1 }).Fit(full.Data);
        foreach (var (name, pool) in new[] { ("900 rows", small), ("9,000 rows (the 900 ×10)", large) })
        {
            Console.WriteLine($"Score + SelectTopK(10), {name}, MLP 64-256-256-10, T = 20, BALD:   [torch threads {torch.get_num_threads()}]");
            Action Select(InferenceMode mode, AcquisitionStrategy strategy)
            {
                var scorer = mlContext.ActiveLearning().ScoreAcquisition(model, strategy, mode).Fit(pool);
                return () => mlContext.ActiveLearning().SelectTopK(scorer.Transform(pool), 10);
            }
            var ms = Measure.Interleaved(7,
                ("fresh masks", Select(InferenceMode.McDropout(20), AcquisitionStrategy.Bald)),
                ("consistent masks", Select(InferenceMode.McDropout(20, consistent: true), AcquisitionStrategy.Bald)),
                ("deterministic, Entropy", Select(InferenceMode.Deterministic, AcquisitionStrategy.Entropy)),
                ("rate 0 (the T passes' dense matrix work, no masks)", Select(InferenceMode.McDropout(20, probability: 0), AcquisitionStrategy.Bald)));
            Console.WriteLine($"  RATIO fresh / consistent = {ms[0] / ms[1]:F2} (target <= 2 at 900 rows), fresh / deterministic = {ms[0] / ms[2]:F1}, fresh / rate 0 = {ms[0] / ms[3]:F2}");
        }
    }
}
