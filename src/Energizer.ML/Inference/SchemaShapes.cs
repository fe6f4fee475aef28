using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Inference;

/// <summary>
/// Adds columns to a <see cref="SchemaShape"/>. ML.NET keeps SchemaShape.Column's constructor
/// internal, so a CustomMapping estimator whose output schema definition holds the new columns
/// builds their shapes (docs/design.md, "Platform facts"); its mapping never runs.
/// </summary>
internal static class SchemaShapes
{
    /// <summary>Appends <paramref name="columns"/> (vectors of Single, Single, Int64) to <paramref name="input"/>.</summary>
    public static SchemaShape Append(MLContext context, SchemaShape input, IEnumerable<(string Name, DataViewType Type)> columns)
    {
        var left = columns.ToList();
        var shape = input;
        do
        {
            shape = AppendSome(context, shape, left);
        }
        while (left.Count > 0);
        return shape;
    }

    /// <summary>
    /// Appends known-size vectors of Single named <paramref name="names"/>. A shape records that a
    /// vector's size is known, not the size, so the type that makes the shape has size 1.
    /// </summary>
    public static SchemaShape AppendVectors(MLContext context, SchemaShape input, IEnumerable<string> names) =>
        Append(context, input, names.Select(name => (name, (DataViewType)new VectorDataViewType(NumberDataViewType.Single, 1))));

    /// <summary>Appends as many of <paramref name="left"/> as the row type has members for, and removes them from it.</summary>
    private static SchemaShape AppendSome(MLContext context, SchemaShape input, List<(string Name, DataViewType Type)> left)
    {
        var definition = Microsoft.ML.Data.SchemaDefinition.Create(typeof(ShapeRow));
        var unused = definition.ToList();
        foreach (var (name, type) in left.ToList())
        {
            string prefix = type switch
            {
                VectorDataViewType { ItemType: NumberDataViewType n } when n.RawType == typeof(float) => "Vector",
                NumberDataViewType n when n.RawType == typeof(long) => "Int64",
                NumberDataViewType n when n.RawType == typeof(float) => "Single",
                _ => throw new ArgumentException($"Unsupported added column type {type}."),
            };
            var column = unused.FirstOrDefault(c => c.MemberName.StartsWith(prefix, StringComparison.Ordinal));
            if (column is null) continue;
            unused.Remove(column);
            left.Remove((name, type));
            column.ColumnName = name;
            column.ColumnType = type;
        }
        foreach (var column in unused) definition.Remove(column);
        var estimator = context.Transforms.CustomMapping<EmptyRow, ShapeRow>(
            (_, _) => throw new InvalidOperationException("Only used for its output schema."), contractName: null,
            outputSchemaDefinition: definition);
        return estimator.GetOutputSchema(input);
    }

    private sealed class EmptyRow;

    private sealed class ShapeRow
    {
#pragma warning disable CS0649 // Never assigned: the row type only describes columns.
        public float Single0;
        public long Int640;
        public VBuffer<float> Vector0;
        public VBuffer<float> Vector1;
        public VBuffer<float> Vector2;
#pragma warning restore CS0649
    }
}
