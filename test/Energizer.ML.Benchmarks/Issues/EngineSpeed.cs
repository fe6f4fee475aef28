using Energizer.ML.Inference;
using Energizer.ML.Onnx;
using Energizer.ML.Torch.OnnxExport;
using Energizer.ML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;

namespace Energizer.ML.Benchmarks.Issues;

/// <summary>
/// Issue 18: the scoring engine of a TorchClassifier. Pool scoring through the binding's reader
/// (what the scorer runs), batches of 256, under <see cref="InferenceEngine.Auto"/> (ONNX Runtime),
/// <see cref="InferenceEngine.TorchSharp"/> (the path before issue 18) and, as "ONNX Runtime alone",
/// a hand-written loop of InferenceSession runs on the exported network over a float[] of the same
/// rows (outputs written into a preallocated array, LibTorch's thread count as ONNX Runtime's).
/// </summary>
internal static class EngineSpeed
{
    private const int BatchSize = 256;

    /// <summary>The pause before each timed run, so the previous variant's ONNX Runtime workers have stopped spinning.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);

    public static void Run()
    {
        Measure.Threads();
        var mlContext = new MLContext(seed: 1);
        var fashion = RandomPool.Create(mlContext, rows: 1024, features: 784, classes: 10, seed: 1);
        using (var conv = RandomPool.Train(fashion, Networks.ConvNet(1, 28, 28, 0.5)))
        {
            Console.WriteLine("ConvNet(1, 28, 28, 0.5) (Fashion-MNIST shapes), 1,024 rows:");
            var mc = InferenceMode.McDropout(10, consistent: false, seed: 3);
            using var onnxClassifier = OnnxClassifier.FromTorch(mlContext, conv, new OnnxClassifierOptions { FeatureColumnName = conv.FeatureColumnName, UseGpu = false });
            // Deterministic first: ONNX Runtime alone with one session is the least any engine spends on the convolutions.
            double onnxAlone = Deterministic(conv, fashion, rounds: 7);
            var passesOnTorch = new McDropoutInference(10, consistent: false, probability: null, inplace: true, seed: 3, InferenceEngine.Auto) { PassesOnTorchSharp = true };
            using var fc1 = new DenseLayerAlone(rows: 10 * 1024, inputs: 64 * 7 * 7, outputs: 128);
            var ms = Measure.Interleaved(5, Settle,
                ("MC-Dropout T=10 fresh, TorchSharp engine", () => Score(mc.WithEngine(InferenceEngine.TorchSharp), conv, fashion)),
                ("MC-Dropout T=10 fresh, Auto (prefix and the T passes on ONNX Runtime, the library's masks as inputs)", () => Score(mc, conv, fashion)),
                ("MC-Dropout T=10 fresh, prefix on ONNX Runtime, the T passes in TorchSharp", () => Score(passesOnTorch, conv, fashion)),
                ("MC-Dropout T=10, whole graph on ONNX Runtime with its own dropout (OnnxClassifier; masks not the library's)", () => Score(mc, onnxClassifier, fashion)),
                ("for scale: fc1 (3136 -> 128) alone on the 10 x 1,024 pass rows, LibTorch", fc1.RunLibTorch),
                ("for scale: fc1 (3136 -> 128) alone on the 10 x 1,024 pass rows, ONNX Runtime", fc1.RunOnnxRuntime));
            double bound = ms[0] / (onnxAlone + Math.Min(ms[4], ms[5]));
            Console.WriteLine($"  RATIO MC-Dropout Auto ÷ TorchSharp = {ms[0] / ms[1]:F2}x (target >= 4); passes on ONNX Runtime ÷ passes in TorchSharp = {ms[2] / ms[1]:F2}x; "
                + $"whole graph with ONNX Runtime's own dropout ÷ Auto = {ms[1] / ms[3]:F2}x; "
                + $"bound = TorchSharp ÷ (ONNX Runtime alone, deterministic, session once + fc1 alone on the pass rows, faster engine) = {bound:F2}x   [torch threads {torch.get_num_threads()}]");
            var consistent = InferenceMode.McDropout(10, consistent: true, seed: 3);
            var cs = Measure.Interleaved(5, Settle,
                ("MC-Dropout T=10 consistent, TorchSharp engine", () => Score(consistent.WithEngine(InferenceEngine.TorchSharp), conv, fashion)),
                ("MC-Dropout T=10 consistent, Auto (prefix on ONNX Runtime, the passes in TorchSharp on the kept units)", () => Score(consistent, conv, fashion)));
            Console.WriteLine($"  RATIO consistent MC-Dropout Auto ÷ TorchSharp = {cs[0] / cs[1]:F2}x   [torch threads {torch.get_num_threads()}]");
        }
        var digits = new DigitsBenchmarkData(mlContext, copies: 10);
        using var mlp = new TorchClassifierTrainer(new TorchClassifierOptions { Network = Networks.Mlp([256, 128], 0.2), Epochs = 1, BatchSize = BatchSize }).Fit(digits.Data);
        Console.WriteLine($"Digits MLP 64-256-128-10, {digits.Count:N0} rows:");
        _ = Deterministic(mlp, digits.Data, rounds: 9);
    }

    /// <summary>Deterministic scoring under each engine; returns ONNX Runtime alone's median with its session made once.</summary>
    private static double Deterministic(TorchClassifierTransformer model, IDataView pool, int rounds)
    {
        float[] features = [.. pool.GetColumn<float[]>(model.FeatureColumnName).SelectMany(r => r)];
        byte[] exported = TorchOnnxExporter.Export(model);
        using var alone = new OnnxRuntimeAlone(exported, features, model.FeatureCount, model.ClassCount);
        using var reused = InferenceMode.Deterministic.Bind(model, pool.Schema, null, false);
        void AloneWithItsOwnSession()
        {
            using var once = new OnnxRuntimeAlone(exported, features, model.FeatureCount, model.ClassCount);
            once.Run();
        }

        var ms = Measure.Interleaved(rounds, Settle,
            ("deterministic, TorchSharp engine", () => Score(InferenceMode.Deterministic.WithEngine(InferenceEngine.TorchSharp), model, pool)),
            ("deterministic, Auto (a scoring pass: binding and session made for it)", () => Score(InferenceMode.Deterministic, model, pool)),
            ("deterministic, ONNX Runtime alone (session made for the pass)", AloneWithItsOwnSession),
            ("deterministic, Auto, one binding for every pass (session made once)", () => Score(reused, pool)),
            ("deterministic, ONNX Runtime alone (session made once)", () => alone.Run()));
        Console.WriteLine($"  RATIO deterministic Auto ÷ ONNX Runtime alone = {ms[2] / ms[1]:F2} per pass with its own session (target >= 0.9), "
            + $"{ms[4] / ms[3]:F2} with the session made once; Auto ÷ TorchSharp = {ms[0] / ms[1]:F2}x   [torch threads {torch.get_num_threads()}]");
        return ms[4];
    }

    private static float Score(InferenceMode mode, ITransformer model, IDataView pool)
    {
        using var bound = mode.Bind(model, pool.Schema, null, false);
        return Score(bound, pool);
    }

    private static float Score(BoundInference bound, IDataView pool)
    {
        var prepared = bound.Prepare(pool);
        using var cursor = prepared.GetRowCursor(bound.InputColumns(prepared.Schema));
        using var reader = bound.CreateReader(cursor);
        float sum = 0;
        while (reader.Next(BatchSize, () => { }) is { } batch) sum += batch.Probabilities[0, 0, 0];
        return sum;
    }

    /// <summary>
    /// One Linear (a Gemm) on a [rows, inputs] batch, by LibTorch and by ONNX Runtime: the matrix work
    /// that MC-Dropout passes cannot avoid when a dropout precedes the Linear (each pass multiplies
    /// differently masked inputs), so no engine scores the T passes faster than this.
    /// </summary>
    private sealed class DenseLayerAlone : IDisposable
    {
        private readonly float[] _x;
        private readonly float[] _y;
        private readonly int _inputs;
        private readonly int _outputs;
        private readonly torch.Tensor _xt;
        private readonly torch.Tensor _weight;
        private readonly torch.Tensor _bias;
        private readonly InferenceSession _session;
        private readonly RunOptions _options = new();

        public DenseLayerAlone(int rows, int inputs, int outputs)
        {
            var random = new Random(1);
            _x = [.. Enumerable.Range(0, rows * inputs).Select(_ => random.NextSingle())];
            float[] w = [.. Enumerable.Range(0, outputs * inputs).Select(_ => random.NextSingle() - 0.5f)];
            _y = new float[rows * outputs];
            _inputs = inputs;
            _outputs = outputs;
            _xt = torch.tensor(_x, [rows, inputs]);
            _weight = torch.tensor(w, [outputs, inputs]);
            _bias = torch.zeros(outputs);
            var graph = new OnnxGraph();
            graph.Input("x", OnnxGraph.ElementType.Float, null, inputs);
            graph.OpInto("Gemm", "y", ["x", graph.Floats("w", w, outputs, inputs), graph.Floats("b", new float[outputs], outputs)], OnnxGraph.Attribute.Int("transB", 1));
            graph.Output("y", OnnxGraph.ElementType.Float, null, outputs);
            using var options = new SessionOptions { IntraOpNumThreads = torch.get_num_threads(), InterOpNumThreads = 1 };
            _session = new InferenceSession(graph.ToModel(17, "benchmark"), options);
        }

        public void RunLibTorch()
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            torch.nn.functional.linear(_xt, _weight, _bias);
        }

        public void RunOnnxRuntime()
        {
            int rows = _x.Length / _inputs;
            using var x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _x.AsMemory(), [rows, _inputs]);
            using var y = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _y.AsMemory(), [rows, _outputs]);
            _session.Run(_options, ["x"], [x], ["y"], [y]);
        }

        public void Dispose()
        {
            _options.Dispose();
            _session.Dispose();
            _xt.Dispose();
            _weight.Dispose();
            _bias.Dispose();
        }
    }

    /// <summary>ONNX Runtime by hand: one session, batches of 256 from a float[], probabilities into a float[].</summary>
    private sealed class OnnxRuntimeAlone : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly float[] _features;
        private readonly float[] _probabilities;
        private readonly int _featureCount;
        private readonly int _classes;
        private readonly OrtValue _evalMode = OrtValue.CreateTensorValueFromMemory(new[] { false }, []);
        private readonly RunOptions _options = new();

        public OnnxRuntimeAlone(byte[] model, float[] features, int featureCount, int classes)
        {
            using var options = new SessionOptions { IntraOpNumThreads = torch.get_num_threads(), InterOpNumThreads = 1 };
            _session = new InferenceSession(model, options);
            _features = features;
            _featureCount = featureCount;
            _classes = classes;
            _probabilities = new float[features.Length / featureCount * classes];
        }

        public void Run()
        {
            int rows = _features.Length / _featureCount;
            string[] inputs = _session.InputMetadata.Count == 2 ? [TorchOnnxExporter.DefaultInputName, TorchOnnxExporter.DefaultTrainingModeName] : [TorchOnnxExporter.DefaultInputName];
            for (int start = 0; start < rows; start += BatchSize)
            {
                int n = Math.Min(BatchSize, rows - start);
                using var x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _features.AsMemory(start * _featureCount, n * _featureCount), [n, _featureCount]);
                using var y = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _probabilities.AsMemory(start * _classes, n * _classes), [n, _classes]);
                _session.Run(_options, inputs, inputs.Length == 2 ? [x, _evalMode] : [x], [TorchOnnxExporter.DefaultOutputName], [y]);
            }
        }

        public void Dispose()
        {
            _evalMode.Dispose();
            _options.Dispose();
            _session.Dispose();
        }
    }
}
