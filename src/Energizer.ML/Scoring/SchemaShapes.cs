using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Scoring;

/// <summary>
/// Adds columns to a <see cref="SchemaShape"/>. ML.NET keeps SchemaShape.Column's constructor
/// internal, so a CustomMapping estimator whose output schema definition holds the new columns
/// builds their shapes (docs/design.md, "Platform facts"); its mapping never runs.
/// </summary>
internal static class SchemaShapes
{
    public static SchemaShape Append(MLContext context, SchemaShape input, IEnumerable<(string Name, DataViewType Type)> columns)
    {
        var definition = Microsoft.ML.Data.SchemaDefinition.Create(typeof(ShapeRow));
        var unused = definition.ToList();
        foreach (var (name, type) in columns)
        {
            string prefix = type switch
            {
                VectorDataViewType => "Vector",
                NumberDataViewType n when n.RawType == typeof(long) => "Int64",
                NumberDataViewType n when n.RawType == typeof(float) => "Single",
                _ => throw new ArgumentException($"Unsupported added column type {type}."),
            };
            var column = unused.FirstOrDefault(c => c.MemberName.StartsWith(prefix, StringComparison.Ordinal))
                ?? throw new ArgumentException($"Too many added columns of type {type}.");
            unused.Remove(column);
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
