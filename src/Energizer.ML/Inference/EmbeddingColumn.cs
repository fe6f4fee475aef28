using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Inference;

/// <summary>A pool column used as row embeddings by diversity strategies.</summary>
internal sealed class EmbeddingColumn(string name, int size)
{
    public string Name { get; } = name;

    public int Size { get; } = size;

    /// <summary>
    /// Checks <paramref name="name"/> in <paramref name="schema"/>; returns null when no column
    /// is named. Throws when embeddings are needed, none is named, and <paramref name="whyNoOther"/>
    /// says why the learner cannot provide them.
    /// </summary>
    public static EmbeddingColumn? Resolve(DataViewSchema schema, string? name, bool needed, string? whyNoOther)
    {
        if (name is null)
        {
            if (needed && whyNoOther is not null)
                throw new ArgumentException(
                    $"This strategy needs row embeddings, but {whyNoOther}: name an embedding column of the pool "
                    + "(a known-size vector of Single), or use a TorchClassifier learner, whose penultimate layer is used.");
            return null;
        }
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentException($"Embedding column '{name}' is not in the pool.", nameof(name));
        if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType item, Size: > 0 } vector || item.RawType != typeof(float))
            throw new ArgumentException($"Embedding column '{name}' must be a known-size vector of Single; it is {column.Type}.", nameof(name));
        return new EmbeddingColumn(name, vector.Size);
    }

    public Reader CreateReader(DataViewRowCursor cursor) => new(cursor.GetGetter<VBuffer<float>>(cursor.Schema[Name]), Size);

    /// <summary>Copies one row's embedding into a span.</summary>
    public sealed class Reader(ValueGetter<VBuffer<float>> getter, int size)
    {
        private VBuffer<float> _value;

        public int Size { get; } = size;

        public void Read(Span<float> target)
        {
            getter(ref _value);
            _value.CopyTo(target);
        }
    }
}
