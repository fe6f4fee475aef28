using System.Reflection;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Attribute = Energizer.ML.Torch.OnnxExport.OnnxGraph.Attribute;
using ElementType = Energizer.ML.Torch.OnnxExport.OnnxGraph.ElementType;

namespace Energizer.ML.Torch.OnnxExport;

/// <summary>
/// Writes a TorchSharp classifier network (logits out) as ONNX (opset <see cref="Opset"/>), layer by
/// layer; the public face is <c>Energizer.ML.Onnx.TorchOnnxExporter</c>. It lives beside the
/// TorchClassifier so that <c>mlContext.Model.Save</c> of a TorchClassifier needs nothing from the
/// ONNX Runtime side: dependencies run Onnx → Torch only (docs/design.md, "Architecture").
/// </summary>
internal static class OnnxNetworkWriter
{
    /// <summary>The ONNX operator set of exported models (default domain).</summary>
    internal const int Opset = 17;

    private const string SupportedLayers =
        "Sequential, Linear, Conv2d, MaxPool2d, AvgPool2d, Flatten, Unflatten, ReLU, LeakyReLU, GELU, Tanh, Sigmoid, Softmax, LogSoftmax, "
        + "Dropout, BatchNorm1d, BatchNorm2d, LayerNorm, Identity";

    /// <summary>
    /// The network as a batch model: input [N, <paramref name="featureCount"/>] floats, output the
    /// softmax of its logits. Every dropout at <paramref name="rate"/> when given; with
    /// <paramref name="consistent"/>, fixed masks instead of ONNX <c>Dropout</c> nodes: the model then
    /// takes the batch repeated T times ([t][n] order, no dropout switch) and gives pass t of every
    /// row with mask t.
    /// </summary>
    internal static byte[] Write(nn.Module<Tensor, Tensor> network, int featureCount, OnnxNames names, double? rate, ConsistentDropout? consistent)
    {
        var graph = new OnnxGraph();
        graph.Input(names.Input, ElementType.Float, null, featureCount);
        var dropout = new DropoutSwitch(names.TrainingMode, names.DropoutSeed, rate, consistent);
        var (logits, classes) = EmitNetwork(graph, network, names.Input, featureCount, dropout, names.Embedding);
        graph.OpInto("Softmax", names.Output, [logits], Attribute.Int("axis", 1));
        graph.Output(names.Output, ElementType.Float, null, classes);
        return graph.ToModel(Opset, ProducerVersion);
    }

    /// <summary>The names of an exported model's inputs and outputs, and the seed of its ONNX dropout nodes.</summary>
    internal sealed record OnnxNames(string Input, string Output, string TrainingMode, string? Embedding, int? DropoutSeed);

    /// <summary>
    /// The graph that <c>mlContext.Model.Save</c> stores for a TorchClassifier: one row per run
    /// (ML.NET's OnnxTransformer feeds rows one by one), input <paramref name="inputName"/> of
    /// shape [F], outputs <paramref name="scoreName"/> (probabilities, [C]) and
    /// <paramref name="oneHotName"/> (the arg-max class as a one-hot float vector, [C]: the
    /// OnnxTransformer cannot output scalars). Dropout is left out (eval mode).
    /// </summary>
    internal static byte[] ExportSingleRow(TorchClassifierTransformer model, string inputName, string scoreName, string oneHotName)
    {
        var graph = new OnnxGraph();
        int features = model.FeatureCount;
        graph.Input(inputName, ElementType.Float, features);
        string rows = graph.Op("Reshape", "rows", [inputName, graph.Int64s("row_shape", [1, features], 2)]);
        var (logits, classes) = EmitNetwork(graph, model.Network, rows, features, dropout: null);
        string probabilities = graph.Op("Softmax", "probabilities", [logits], Attribute.Int("axis", 1));
        string[] vectorShape = [graph.Int64s("vector_shape", [classes], 1)];
        graph.OpInto("Reshape", scoreName, [probabilities, .. vectorShape]);
        // ArgMax takes the first of tied maxima, as TorchClassifierTransformer does.
        string best = graph.Op("ArgMax", "argmax", [probabilities], Attribute.Int("axis", 1), Attribute.Int("keepdims", 0));
        string oneHot = graph.Op("OneHot", "one_hot", [best, graph.Int64s("depth", [classes]), graph.Floats("off_on", [0f, 1f], 2)]);
        graph.OpInto("Reshape", oneHotName, [oneHot, .. vectorShape]);
        graph.Output(scoreName, ElementType.Float, classes);
        graph.Output(oneHotName, ElementType.Float, classes);
        return graph.ToModel(Opset, ProducerVersion);
    }

    private static string ProducerVersion =>
        typeof(OnnxNetworkWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";

    /// <summary>
    /// Emits the network's layers after <paramref name="input"/>; returns the logits' name and the
    /// class count. With <paramref name="embeddingName"/>, a Sequential of two or more layers whose
    /// last layer takes [N, D] activations also outputs those (the penultimate layer) under that name.
    /// </summary>
    private static (string Logits, long Classes) EmitNetwork(
        OnnxGraph graph, nn.Module<Tensor, Tensor> network, string input, int featureCount, DropoutSwitch? dropout, string? embeddingName = null) =>
        Emitting(network, featureCount, sample =>
        {
            var topLevel = network is Sequential top
                ? top.named_children().Select((child, position) => (child.name, position)).ToDictionary(c => c.name, c => c.position)
                : null;
            var emitter = new Emitter(graph, dropout, topLevel);
            string logits;
            if (embeddingName is not null && network is Sequential { Count: >= 2 } sequential)
            {
                var children = sequential.named_children().ToList();
                string x = input;
                foreach (var (name, child) in children[..^1]) x = emitter.Emit((nn.Module<Tensor, Tensor>)child, name, x, ref sample);
                if (sample.dim() == 2)
                {
                    graph.OpInto("Identity", embeddingName, [x]);
                    graph.Output(embeddingName, ElementType.Float, null, sample.shape[1]);
                }
                logits = emitter.Emit((nn.Module<Tensor, Tensor>)children[^1].module, children[^1].name, x, ref sample);
            }
            else
            {
                logits = emitter.Emit(network, "", input, ref sample);
            }
            if (sample.dim() != 2)
                throw new NotSupportedException($"The network's output has shape [{string.Join(", ", sample.shape)}] for one row; a classifier must output logits of shape [N, C].");
            return (logits, sample.shape[1]);
        });

    /// <summary>
    /// The first <paramref name="layers"/> children of <paramref name="network"/> as a batch model
    /// for scoring: input <paramref name="inputName"/> [N, <paramref name="featureCount"/>] floats,
    /// output <paramref name="outputName"/> the activations after them, [N, ...row]. Dropouts among
    /// them are left out (eval mode). With <paramref name="embeddingName"/>, a second output: the
    /// penultimate layer's activations in eval mode ([N, D]; the children from
    /// <paramref name="layers"/> to the last one, dropouts left out), so MC-Dropout's embeddings come
    /// from the same run. Returns the model and the per-row shape of its first output.
    /// </summary>
    internal static (byte[] Model, long[] RowShape) WritePrefix(Sequential network, int layers, int featureCount, string inputName, string outputName, string? embeddingName = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(layers, network.Count);
        var graph = new OnnxGraph();
        graph.Input(inputName, ElementType.Float, null, featureCount);
        long[] row = Emitting(network, featureCount, sample =>
        {
            var emitter = new Emitter(graph, dropout: null);
            var children = network.named_children().ToList();
            string x = inputName;
            foreach (var (name, child) in children.Take(layers)) x = emitter.Emit((nn.Module<Tensor, Tensor>)child, name, x, ref sample);
            graph.OpInto("Identity", outputName, [x]);
            long[] prefixRow = sample.shape[1..];
            graph.Output(outputName, ElementType.Float, [null, .. prefixRow.Select(size => (long?)size)]);
            if (embeddingName is null) return prefixRow;
            foreach (var (name, child) in children.Take(children.Count - 1).Skip(layers)) x = emitter.Emit((nn.Module<Tensor, Tensor>)child, name, x, ref sample);
            if (sample.dim() != 2)
                throw new NotSupportedException($"The penultimate layer's output has shape [{string.Join(", ", sample.shape)}] for one row; embeddings need [N, D].");
            graph.OpInto("Identity", embeddingName, [x]);
            graph.Output(embeddingName, ElementType.Float, null, sample.shape[1]);
            return prefixRow;
        });
        return (graph.ToModel(Opset, ProducerVersion), row);
    }

    /// <summary>
    /// Children [<paramref name="from"/>, end) of <paramref name="network"/> as a model of the T
    /// MC-Dropout passes stacked into one batch (docs/design.md, "Scoring engines"): input
    /// <paramref name="inputName"/> [T·N, .. <paramref name="inputRow"/>] floats (the activations after
    /// child <paramref name="from"/> − 1, their first dropout already applied); each dropout child
    /// whose index is a key of <paramref name="masks"/> multiplies by that mask input
    /// ([T·N, .. mask row], broadcast over the activations), other dropouts are left out; output
    /// <paramref name="outputName"/> the softmax of the logits, [T·N, C]. The masks are inputs, so
    /// the caller's own (seeded, per row) masks are the ones applied.
    /// </summary>
    internal static byte[] WriteTail(Sequential network, int from, long[] inputRow, IReadOnlyDictionary<int, (string Name, long[] MaskRow)> masks, string inputName, string outputName)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(from, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(from, network.Count);
        var graph = new OnnxGraph();
        graph.Input(inputName, ElementType.Float, [null, .. inputRow.Select(size => (long?)size)]);
        long classes = Emitting(network, inputRow, sample =>
        {
            var emitter = new Emitter(graph, dropout: null);
            string x = inputName;
            foreach (var (index, (name, child)) in network.named_children().Index().Skip(from))
            {
                if (masks.TryGetValue(index, out var mask))
                {
                    graph.Input(mask.Name, ElementType.Float, [null, .. mask.MaskRow.Select(size => (long?)size)]);
                    x = graph.Op("Mul", name, [x, mask.Name]);
                    continue;
                }
                x = emitter.Emit((nn.Module<Tensor, Tensor>)child, name, x, ref sample);
            }
            if (sample.dim() != 2)
                throw new NotSupportedException($"The network's output has shape [{string.Join(", ", sample.shape)}] for one row; a classifier must output logits of shape [N, C].");
            graph.OpInto("Softmax", outputName, [x], Attribute.Int("axis", 1));
            return sample.shape[1];
        });
        graph.Output(outputName, ElementType.Float, null, classes);
        return graph.ToModel(Opset, ProducerVersion);
    }

    /// <summary>
    /// Runs <paramref name="emit"/> with <paramref name="network"/> in eval mode (restored after) and a
    /// one-row sample of zeros, under no_grad in a dispose scope. The sample flows through the layers
    /// alongside the export: it gives every intermediate shape (for Reshape targets) and checks the
    /// network accepts <paramref name="featureCount"/> features.
    /// </summary>
    private static T Emitting<T>(nn.Module<Tensor, Tensor> network, int featureCount, Func<Tensor, T> emit) =>
        Emitting(network, [featureCount], emit);

    /// <summary>The same for a part of a network whose input rows have the shape <paramref name="inputRow"/>.</summary>
    private static T Emitting<T>(nn.Module<Tensor, Tensor> network, long[] inputRow, Func<Tensor, T> emit)
    {
        TorchRuntime.EnsureLoaded();
        bool training = network.training;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        network.eval();
        try
        {
            var device = network.parameters().FirstOrDefault()?.device ?? CPU;
            return emit(zeros([1, .. inputRow], device: device));
        }
        finally
        {
            network.train(training);
        }
    }

    /// <summary>
    /// How dropouts are exported: as ONNX <c>Dropout</c> nodes sharing a training-mode switch (added
    /// on the first one), at their own rates or at <see cref="Rate"/>; or, with
    /// <see cref="Consistent"/>, as fixed masks for T passes stacked in the batch.
    /// </summary>
    private sealed class DropoutSwitch(string name, int? seed, double? rate = null, ConsistentDropout? consistent = null)
    {
        public string Name => name;

        public int? Seed => seed;

        public double? Rate => rate;

        public ConsistentDropout? Consistent => consistent;

        public bool Added { get; set; }
    }

    /// <summary>
    /// Consistent MC-Dropout masks for an export: T passes, and for the top-level child at a
    /// position of the Sequential (with its per-row activation shape and dropout rate) the
    /// [T, 1, ...row] mask values (0 or 1/keep).
    /// </summary>
    internal sealed record ConsistentDropout(int Iterations, Func<int, long[], double, float[]> Masks);

    private sealed class Emitter(OnnxGraph graph, DropoutSwitch? dropout, IReadOnlyDictionary<string, int>? topLevel = null)
    {
        public string Emit(nn.Module<Tensor, Tensor> module, string path, string x, ref Tensor sample)
        {
            if (module is Sequential sequential)
            {
                foreach (var (name, child) in sequential.named_children())
                    x = Emit((nn.Module<Tensor, Tensor>)child, path.Length == 0 ? name : $"{path}.{name}", x, ref sample);
                return x;
            }
            string hint = path.Length == 0 ? "network" : path.Replace('.', '_');
            string output = Layer(module, path.Length == 0 ? "(the network itself)" : path, hint, x, sample);
            sample = module.call(sample);
            return output;
        }

        private string Layer(nn.Module<Tensor, Tensor> module, string path, string hint, string x, Tensor sample) => module switch
        {
            Linear linear => Linear(linear, hint, x, sample),
            Conv2d conv => Conv(conv, path, hint, x),
            MaxPool2d pool => graph.Op("MaxPool", hint, [x],
                Attribute.Ints("kernel_shape", pool.kernel_size),
                Attribute.Ints("strides", pool.stride ?? pool.kernel_size),
                Attribute.Ints("pads", Pads(pool.padding ?? [0, 0])),
                Attribute.Ints("dilations", pool.dilation ?? [1, 1]),
                Attribute.Int("ceil_mode", pool.ceil_mode ? 1 : 0)),
            AvgPool2d pool when pool.divisor_override is null => graph.Op("AveragePool", hint, [x],
                Attribute.Ints("kernel_shape", pool.kernel_size),
                Attribute.Ints("strides", pool.stride ?? pool.kernel_size),
                Attribute.Ints("pads", Pads(pool.padding ?? [0, 0])),
                Attribute.Int("count_include_pad", pool.count_include_pad ? 1 : 0),
                Attribute.Int("ceil_mode", pool.ceil_mode ? 1 : 0)),
            Flatten or Unflatten => Reshape(module, path, hint, x, sample),
            ReLU => graph.Op("Relu", hint, [x]),
            LeakyReLU leaky => graph.Op("LeakyRelu", hint, [x], Attribute.Float("alpha", (float)leaky.negative_slope)),
            GELU gelu => Gelu(gelu, hint, x),
            Tanh => graph.Op("Tanh", hint, [x]),
            Sigmoid => graph.Op("Sigmoid", hint, [x]),
            Softmax softmax => graph.Op("Softmax", hint, [x], Attribute.Int("axis", FeatureAxis(softmax.dim, sample, path))),
            LogSoftmax softmax => graph.Op("LogSoftmax", hint, [x], Attribute.Int("axis", FeatureAxis(softmax.dim, sample, path))),
            Identity => x,
            TorchSharp.Modules.Dropout drop => Dropout(drop, path, hint, x, sample),
            BatchNorm1d or BatchNorm2d => BatchNorm((BatchNorm)module, path, hint, x),
            LayerNorm norm => LayerNorm(norm, hint, x),
            _ => throw Unsupported(path, module, ""),
        };

        private string Linear(Linear linear, string hint, string x, Tensor sample)
        {
            long outputs = linear.out_features, inputs = linear.in_features;
            string weight = graph.Floats(hint + "_weight", Values(linear.weight), outputs, inputs);
            string? bias = linear.bias is null ? null : graph.Floats(hint + "_bias", Values(linear.bias), outputs);
            if (sample.dim() == 2)
                return graph.Op("Gemm", hint, bias is null ? [x, weight] : [x, weight, bias], Attribute.Int("transB", 1));
            // Gemm is 2-D only; a Linear on higher-rank input multiplies the last axis.
            string product = graph.Op("MatMul", hint + "_matmul", [x, graph.Op("Transpose", hint + "_weight_t", [weight])]);
            return bias is null ? product : graph.Op("Add", hint, [product, bias]);
        }

        private string Conv(Conv2d conv, string path, string hint, string x)
        {
            if (conv.padding_mode != PaddingModes.Zeros)
                throw Unsupported(path, conv, $" with padding mode {conv.padding_mode} (only zero padding is exported)");
            long[] kernel = conv.kernel_size, dilation = conv.dilation ?? [1, 1];
            long[] pads = conv.padding_type switch
            {
                Padding.Valid => [0, 0, 0, 0],
                // PyTorch's 'same' puts the odd pixel at the end (bottom, right).
                Padding.Same => [.. Enumerable.Range(0, 2).Select(i => dilation[i] * (kernel[i] - 1) / 2),
                    .. Enumerable.Range(0, 2).Select(i => dilation[i] * (kernel[i] - 1) - dilation[i] * (kernel[i] - 1) / 2)],
                _ => Pads(conv.padding ?? [0, 0]),
            };
            string weight = graph.Floats(hint + "_weight", Values(conv.weight), conv.weight.shape);
            string[] inputs = conv.bias is null ? [x, weight] : [x, weight, graph.Floats(hint + "_bias", Values(conv.bias), conv.out_channels)];
            return graph.Op("Conv", hint, inputs,
                Attribute.Ints("kernel_shape", kernel),
                Attribute.Ints("strides", conv.stride ?? [1, 1]),
                Attribute.Ints("pads", pads),
                Attribute.Ints("dilations", dilation),
                Attribute.Int("group", conv.groups));
        }

        private string Reshape(nn.Module<Tensor, Tensor> module, string path, string hint, string x, Tensor sample)
        {
            using var output = module.call(sample);
            long batchAxisAfter = output.shape[0];
            if (batchAxisAfter != sample.shape[0] || (module is Flatten f && (f.start_dim == 0 || f.start_dim == -sample.dim())))
                throw Unsupported(path, module, " that merges the batch axis");
            if (module is Unflatten u && (u.dim == 0 || u.dim == -sample.dim()))
                throw Unsupported(path, module, " that splits the batch axis");
            // 0 keeps the batch size; the other sizes are fixed.
            long[] target = [0, .. output.shape.Skip(1)];
            return graph.Op("Reshape", hint, [x, graph.Int64s(hint + "_shape", target, target.Length)]);
        }

        private string Gelu(GELU gelu, string hint, string x)
        {
            string half = graph.Floats(hint + "_half", [0.5f]);
            string one = graph.Floats(hint + "_one", [1f]);
            string inner;
            if (gelu.approximate.ToString() == "tanh")
            {
                // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
                string cube = graph.Op("Mul", hint + "_x3", [graph.Op("Mul", hint + "_x2", [x, x]), x]);
                string sum = graph.Op("Add", hint + "_poly", [x, graph.Op("Mul", hint + "_cx3", [cube, graph.Floats(hint + "_c", [0.044715f])])]);
                inner = graph.Op("Tanh", hint + "_tanh", [graph.Op("Mul", hint + "_scaled", [sum, graph.Floats(hint + "_k", [(float)Math.Sqrt(2 / Math.PI)])])]);
            }
            else
            {
                // 0.5 x (1 + erf(x / sqrt 2)); opset 17 has no Gelu operator.
                inner = graph.Op("Erf", hint + "_erf", [graph.Op("Div", hint + "_scaled", [x, graph.Floats(hint + "_sqrt2", [(float)Math.Sqrt(2)])])]);
            }
            return graph.Op("Mul", hint, [graph.Op("Mul", hint + "_halfx", [x, half]), graph.Op("Add", hint + "_1p", [inner, one])]);
        }

        private string Dropout(TorchSharp.Modules.Dropout drop, string path, string hint, string x, Tensor sample)
        {
            if (dropout is null) return x;
            double rate = dropout.Rate ?? drop.p;
            if (dropout.Consistent is { } consistent)
            {
                if (topLevel is null || !topLevel.TryGetValue(path, out int layer))
                    throw new NotSupportedException($"Consistent MC-Dropout masks need the dropouts to be children of the top Sequential; '{path}' is nested.");
                // The batch holds T passes of the same N rows ([t][n] order): view it as [T, N, ...]
                // and multiply pass t by its mask, the same for every row.
                long[] row = sample.shape[1..];
                string mask = graph.Floats(hint + "_mask", consistent.Masks(layer, row, rate), [consistent.Iterations, 1, .. row]);
                string passes = graph.Op("Reshape", hint + "_passes", [x, graph.Int64s(hint + "_passes_shape", [consistent.Iterations, -1, .. row], row.Length + 2)]);
                string masked = graph.Op("Mul", hint + "_masked", [passes, mask]);
                return graph.Op("Reshape", hint, [masked, graph.Int64s(hint + "_rows_shape", [-1, .. row], row.Length + 1)]);
            }
            if (!dropout.Added)
            {
                // A required input, not an overridable initializer: ONNX Runtime's optimiser removes
                // Dropout nodes whose training_mode has a default, which would disable MC-Dropout.
                graph.Input(dropout.Name, ElementType.Bool);
                dropout.Added = true;
            }
            string ratio = graph.Floats(hint + "_ratio", [(float)rate]);
            return dropout.Seed is { } seed
                ? graph.Op("Dropout", hint, [x, ratio, dropout.Name], Attribute.Int("seed", seed))
                : graph.Op("Dropout", hint, [x, ratio, dropout.Name]);
        }

        private string BatchNorm(BatchNorm norm, string path, string hint, string x)
        {
            if (norm.running_mean is null || norm.running_var is null)
                throw Unsupported(path, norm, " without running statistics (track_running_stats: false)");
            long c = norm.num_features;
            string scale = graph.Floats(hint + "_scale", norm.weight is null ? Filled(c, 1) : Values(norm.weight), c);
            string bias = graph.Floats(hint + "_bias", norm.bias is null ? Filled(c, 0) : Values(norm.bias), c);
            string mean = graph.Floats(hint + "_mean", Values(norm.running_mean), c);
            string variance = graph.Floats(hint + "_var", Values(norm.running_var), c);
            return graph.Op("BatchNormalization", hint, [x, scale, bias, mean, variance], Attribute.Float("epsilon", (float)norm.eps));
        }

        private string LayerNorm(LayerNorm norm, string hint, string x)
        {
            long[] shape = norm.normalized_shape;
            long size = shape.Aggregate(1L, (a, b) => a * b);
            string scale = graph.Floats(hint + "_scale", norm.weight is null ? Filled(size, 1) : Values(norm.weight), shape);
            string bias = graph.Floats(hint + "_bias", norm.bias is null ? Filled(size, 0) : Values(norm.bias), shape);
            return graph.Op("LayerNormalization", hint, [x, scale, bias],
                Attribute.Int("axis", -shape.Length), Attribute.Float("epsilon", (float)norm.eps));
        }

        private static long FeatureAxis(long dim, Tensor sample, string path)
        {
            long axis = dim < 0 ? dim + sample.dim() : dim;
            if (axis == 0) throw new NotSupportedException($"Layer '{path}' normalises over the batch axis (dim 0), which a per-row ONNX model cannot reproduce.");
            return axis;
        }

        private static long[] Pads(long[] padding) => [.. padding, .. padding];

        private static float[] Filled(long count, float value) => Enumerable.Repeat(value, (int)count).ToArray();

        private static float[] Values(Tensor tensor) =>
            tensor.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();

        private static NotSupportedException Unsupported(string path, nn.Module module, string detail) =>
            new($"Cannot export layer '{path}' ({module.GetType().Name}){detail} to ONNX. Supported layers: {SupportedLayers}.");
    }
}
