using BenchmarkDotNet.Attributes;
using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Benchmarks;

/// <summary>
/// TorchClassifier (MLP 5000-128-2, dropout 0.3) on text-like rows: 2,000 rows of 5,000 slots
/// with about 60 non-zeros each, read from a sparse <see cref="VBuffer{T}"/> column, from the same
/// values stored dense, and from dense rows only as wide as the non-zero count (60 slots: the
/// matrix work of a sparse first layer). Training is one epoch; scoring reads every Score, or
/// every BALD score of MC-Dropout (T = 10) through the scorer transformer.
/// </summary>
public class SparseFeaturesBenchmark
{
    private const int Rows = 2_000;
    private const int Slots = 5_000;
    private const int NonZeros = 60;
    private IDataView _sparse = null!;
    private IDataView _dense = null!;
    private IDataView _narrow = null!;
    private TorchClassifierTransformer _wide = null!;
    private TorchClassifierTransformer _narrowModel = null!;

    /// <summary>Rows per call of each benchmark.</summary>
    public static int RowCount => Rows;

    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.EnsureLoaded();
        var ml = new MLContext(1);
        _sparse = Data(ml, Slots, sparse: true);
        _dense = Data(ml, Slots, sparse: false);
        _narrow = Data(ml, NonZeros, sparse: false);
        _wide = Trainer(1).Fit(_sparse);
        _narrowModel = Trainer(1).Fit(_narrow);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _wide.Dispose();
        _narrowModel.Dispose();
    }

    private static TorchClassifierTrainer Trainer(int epochs) => new(new TorchClassifierOptions
    {
        Network = Networks.Mlp([128], 0.3),
        Epochs = epochs,
        BatchSize = 64,
        Seed = 0,
    });

    /// <summary>Rows with <see cref="NonZeros"/> values at seeded random slots (all slots when <paramref name="slots"/> is the non-zero count).</summary>
    private static IDataView Data(MLContext ml, int slots, bool sparse)
    {
        var random = new Random(5);
        var rows = new List<Row>(Rows);
        for (int i = 0; i < Rows; i++)
        {
            int[] indices = slots == NonZeros
                ? [.. Enumerable.Range(0, NonZeros)]
                : [.. Enumerable.Range(0, NonZeros).Select(_ => random.Next(slots)).Distinct().Order()];
            float[] values = [.. indices.Select(_ => (float)random.NextDouble())];
            var dense = new float[slots];
            for (int k = 0; k < indices.Length; k++) dense[indices[k]] = values[k];
            rows.Add(new Row
            {
                Features = sparse ? new VBuffer<float>(slots, indices.Length, values, indices) : new VBuffer<float>(slots, dense),
                Label = (uint)(i % 2),
            });
        }
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, slots);
        definition[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), 2);
        return ml.Data.Cache(ml.Data.LoadFromEnumerable(rows, definition));
    }

    [Benchmark(Baseline = true, Description = "train epoch, dense 5000 slots")]
    public int TrainDense() => TrainEpoch(_dense);

    [Benchmark(Description = "train epoch, sparse 5000 slots")]
    public int TrainSparse() => TrainEpoch(_sparse);

    [Benchmark(Description = "train epoch, dense 60 slots")]
    public int TrainNarrow() => TrainEpoch(_narrow);

    [Benchmark(Description = "score, dense 5000 slots")]
    public float ScoreDense() => Score(_wide, _dense);

    [Benchmark(Description = "score, sparse 5000 slots")]
    public float ScoreSparse() => Score(_wide, _sparse);

    [Benchmark(Description = "score, dense 60 slots")]
    public float ScoreNarrow() => Score(_narrowModel, _narrow);

    [Benchmark(Description = "BALD on MC-Dropout T = 10, dense 5000 slots")]
    public float McDropoutDense() => McDropout(_wide, _dense);

    [Benchmark(Description = "BALD on MC-Dropout T = 10, sparse 5000 slots")]
    public float McDropoutSparse() => McDropout(_wide, _sparse);

    [Benchmark(Description = "BALD on MC-Dropout T = 10, dense 60 slots")]
    public float McDropoutNarrow() => McDropout(_narrowModel, _narrow);

    private static int TrainEpoch(IDataView data)
    {
        using var model = Trainer(1).Fit(data);
        return model.FeatureCount;
    }

    private static float Score(TorchClassifierTransformer model, IDataView data)
    {
        float sum = 0;
        foreach (float[] score in model.Transform(data).GetColumn<float[]>("Score")) sum += score[0];
        return sum;
    }

    /// <summary>Pool scoring as the loop does it: the scorer transformer, fresh masks, batches of 256.</summary>
    private static float McDropout(TorchClassifierTransformer model, IDataView data)
    {
        var ml = new MLContext(0);
        var scored = ml.ActiveLearning().ScoreAcquisition(model, AcquisitionStrategy.Bald, InferenceMode.McDropout(10), batchSize: 256).Fit(data).Transform(data);
        float sum = 0;
        foreach (float score in scored.GetColumn<float>("Acquisition")) sum += score;
        return sum;
    }

    private sealed class Row
    {
        public VBuffer<float> Features { get; set; }

        public uint Label { get; set; }
    }
}
