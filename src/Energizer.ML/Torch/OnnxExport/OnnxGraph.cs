using System.Runtime.InteropServices;

namespace Energizer.ML.Torch.OnnxExport;

/// <summary>
/// An ONNX graph under construction (nodes, initializers, inputs, outputs) and its serialisation
/// as a ModelProto. Field numbers and enum values are those of onnx.proto (IR version 8).
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>ONNX tensor element types (TensorProto.DataType).</summary>
    public enum ElementType
    {
        Float = 1,
        Int64 = 7,
        Bool = 9,
    }

    private const long IrVersion = 8;

    private readonly List<Node> _nodes = [];
    private readonly List<Initializer> _initializers = [];
    private readonly List<ValueInfo> _inputs = [];
    private readonly List<ValueInfo> _outputs = [];
    private readonly HashSet<string> _names = [];
    private int _counter;

    /// <summary>A new unique value name starting with <paramref name="hint"/>.</summary>
    public string Name(string hint)
    {
        string name = hint;
        while (!_names.Add(name)) name = $"{hint}_{++_counter}";
        return name;
    }

    /// <summary>Adds a graph input; a null dimension is the symbolic batch size <c>N</c>.</summary>
    public void Input(string name, ElementType type, params long?[] dims) => _inputs.Add(new ValueInfo(Reserve(name), type, dims));

    /// <summary>Declares a graph output (the value must be produced by a node).</summary>
    public void Output(string name, ElementType type, params long?[] dims) => _outputs.Add(new ValueInfo(name, type, dims));

    /// <summary>A float initializer with the given shape; returns its name.</summary>
    public string Floats(string hint, float[] values, params long[] dims) =>
        AddInitializer(hint, ElementType.Float, dims, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>An int64 initializer with the given shape; returns its name.</summary>
    public string Int64s(string hint, long[] values, params long[] dims) =>
        AddInitializer(hint, ElementType.Int64, dims, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>Adds a node whose single output gets a fresh name from <paramref name="hint"/>; returns that name.</summary>
    public string Op(string opType, string hint, string[] inputs, params Attribute[] attributes)
    {
        string output = Name(hint);
        _nodes.Add(new Node(opType, Name("node_" + hint), inputs, [output], attributes));
        return output;
    }

    /// <summary>Adds a node writing into the existing value name <paramref name="output"/> (a graph output).</summary>
    public void OpInto(string opType, string output, string[] inputs, params Attribute[] attributes)
    {
        Reserve(output);
        _nodes.Add(new Node(opType, Name("node_" + output), inputs, [output], attributes));
    }

    /// <summary>The ModelProto bytes, opset <paramref name="opset"/> of the default domain.</summary>
    public byte[] ToModel(int opset, string producerVersion)
    {
        var model = new ProtoWriter();
        model.Int64(1, IrVersion);
        model.String(2, "Energizer.ML");
        model.String(3, producerVersion);
        model.Message(7, WriteGraph);
        model.Message(8, o =>
        {
            o.String(1, "");
            o.Int64(2, opset);
        });
        return model.ToArray();
    }

    private string Reserve(string name)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"ONNX value name '{name}' is used twice.");
        return name;
    }

    private string AddInitializer(string hint, ElementType type, long[] dims, byte[] raw)
    {
        string name = Name(hint);
        _initializers.Add(new Initializer(name, type, dims, raw));
        return name;
    }

    private void WriteGraph(ProtoWriter g)
    {
        foreach (var node in _nodes) g.Message(1, node.Write);
        g.String(2, "network");
        foreach (var initializer in _initializers) g.Message(5, initializer.Write);
        foreach (var input in _inputs) g.Message(11, input.Write);
        foreach (var output in _outputs) g.Message(12, output.Write);
    }

    /// <summary>A node attribute (AttributeProto).</summary>
    public sealed class Attribute
    {
        private const int FloatType = 1, IntType = 2, StringType = 3, IntsType = 7;

        private readonly Action<ProtoWriter> _write;

        private Attribute(Action<ProtoWriter> write) => _write = write;

        public static Attribute Int(string name, long value) => new(a =>
        {
            a.String(1, name);
            a.Int64(3, value);
            a.Int64(20, IntType);
        });

        public static Attribute Float(string name, float value) => new(a =>
        {
            a.String(1, name);
            a.Float(2, value);
            a.Int64(20, FloatType);
        });

        public static Attribute String(string name, string value) => new(a =>
        {
            a.String(1, name);
            a.String(4, value);
            a.Int64(20, StringType);
        });

        public static Attribute Ints(string name, IEnumerable<long> values) => new(a =>
        {
            a.String(1, name);
            a.Int64s(8, values);
            a.Int64(20, IntsType);
        });

        public void Write(ProtoWriter writer) => _write(writer);
    }

    private sealed record Node(string OpType, string Name, string[] Inputs, string[] Outputs, Attribute[] Attributes)
    {
        public void Write(ProtoWriter n)
        {
            foreach (string input in Inputs) n.String(1, input);
            foreach (string output in Outputs) n.String(2, output);
            n.String(3, Name);
            n.String(4, OpType);
            foreach (var attribute in Attributes) n.Message(5, attribute.Write);
        }
    }

    private sealed record Initializer(string Name, ElementType Type, long[] Dims, byte[] Raw)
    {
        public void Write(ProtoWriter t)
        {
            t.Int64s(1, Dims);
            t.Int64(2, (long)Type);
            t.String(8, Name);
            t.Bytes(9, Raw);
        }
    }

    private sealed record ValueInfo(string Name, ElementType Type, long?[] Dims)
    {
        public void Write(ProtoWriter v)
        {
            v.String(1, Name);
            v.Message(2, type => type.Message(1, tensor =>
            {
                tensor.Int64(1, (long)Type);
                // Always written, even empty: an empty shape is a scalar, a missing one an unknown rank.
                tensor.Message(2, shape =>
                {
                    foreach (long? dim in Dims)
                    {
                        shape.Message(1, d =>
                        {
                            if (dim is { } size) d.Int64(1, size);
                            else d.String(2, "N");
                        });
                    }
                });
            }));
        }
    }
}
