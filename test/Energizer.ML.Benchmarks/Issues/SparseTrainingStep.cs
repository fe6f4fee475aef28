using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using ReviewsSample;

namespace Energizer.ML.Benchmarks.Issues;

/// <summary>
/// Issue 18: a TorchClassifier training step on the Reviews sample's shapes, lazy Adam
/// (<see cref="SparseUpdate.Lazy"/>) against the dense step (<see cref="SparseUpdate.Dense"/>,
/// the only one before). 320 pool reviews through the sample's featurizer (fitted on the whole
/// pool, as the sample does), the sample's MLP options (64 hidden, dropout 0.3, batches of 32,
/// Adam, lr 1e-3, weight decay 1e-4). A step's time is (fit of 3 epochs − fit of 1 epoch) / 20
/// steps, so reading the rows and building the network are not counted.
/// </summary>
internal static class SparseTrainingStep
{
    private const int Rows = 320;
    private const int BatchSize = 32;

    public static void Run()
    {
        Measure.Threads();
        var ml = new MLContext(1);
        var pool = ml.Data.LoadFromEnumerable(ReviewsData.Load(Path.Combine(AppContext.BaseDirectory, "data", "finefoods_training.tsv")));
        var featurized = ReviewsLearner.Featurizer(ml).Fit(pool).Transform(pool);
        var keyed = ml.Transforms.Conversion.MapValueToKey(nameof(Review.Label)).Fit(featurized).Transform(featurized);
        var data = ml.Data.Cache(ml.Data.TakeRows(ml.Transforms.SelectColumns("Features", nameof(Review.Label)).Fit(keyed).Transform(keyed), Rows));
        Describe(data);

        TorchClassifierTrainer Trainer(SparseUpdate update, int epochs) => new(new TorchClassifierOptions
        {
            Network = Networks.Mlp([64], 0.3),
            Epochs = epochs,
            BatchSize = BatchSize,
            LearningRate = 1e-3,
            WeightDecay = 1e-4,
            Seed = 0,
            SparseUpdate = update,
        });
        Action Fit(SparseUpdate update, int epochs) => () => Trainer(update, epochs).Fit(data).Dispose();
        var ms = Measure.Interleaved(5,
            ("dense Adam, 1 epoch", Fit(SparseUpdate.Dense, 1)),
            ("dense Adam, 3 epochs", Fit(SparseUpdate.Dense, 3)),
            ("lazy Adam, 1 epoch", Fit(SparseUpdate.Lazy, 1)),
            ("lazy Adam, 3 epochs", Fit(SparseUpdate.Lazy, 3)));
        const double Steps = 2.0 * Rows / BatchSize;
        double dense = (ms[1] - ms[0]) / Steps, lazy = (ms[3] - ms[2]) / Steps;
        Console.WriteLine($"  training step: dense {dense:F2} ms, lazy {lazy:F2} ms; fixed cost of a fit (1 epoch − one epoch of steps): dense {ms[0] - (dense * Steps / 2):F0} ms, lazy {ms[2] - (lazy * Steps / 2):F0} ms");
        Console.WriteLine($"  RATIO dense step / lazy step = {dense / lazy:F1} (target >= 10)");
    }

    /// <summary>Prints the slot count, the non-zeros per row and the distinct columns per batch of <see cref="BatchSize"/>.</summary>
    private static void Describe(IDataView data)
    {
        var rows = data.GetColumn<VBuffer<float>>("Features").Select(v => v.GetIndices().ToArray()).ToList();
        int slots = ((VectorDataViewType)data.Schema["Features"].Type).Size;
        var distinct = rows.Chunk(BatchSize).Select(batch => batch.SelectMany(r => r).Distinct().Count()).ToList();
        Console.WriteLine($"Reviews shapes: {rows.Count} rows, {slots:N0} slots -> 64 hidden, batches of {BatchSize}; non-zeros per row mean {rows.Average(r => r.Length):F0}; "
            + $"distinct columns per batch mean {distinct.Average():F0} ({100.0 * distinct.Average() / slots:F1}% of the weight)");
    }
}
