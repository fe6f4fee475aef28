using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Torch;

/// <summary>Schema checks and output columns shared by the trainer, the transformer and the batch reader.</summary>
internal static class TorchClassifierSchema
{
    public const string ScoreColumnName = "Score";
    public const string PredictedLabelColumnName = "PredictedLabel";

    // ML.NET's annotation kinds (AnnotationUtils.Kinds is internal).
    public const string SlotNames = "SlotNames";
    public const string KeyValues = "KeyValues";
    public const string ScoreColumnKind = "ScoreColumnKind";
    public const string ScoreValueKind = "ScoreValueKind";

    /// <summary>The feature count of a known-size <see cref="float"/> vector column.</summary>
    public static int CheckFeatures(DataViewSchema schema, string name)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Could not find feature column '{name}' (set FeatureColumnName).");
        if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType number } vector || number != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Feature column '{name}' is {column.Type}; TorchClassifier needs a known-size vector of Single (e.g. Concatenate numeric columns, ConvertType to Single).");
        if (!vector.IsKnownSize)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Feature column '{name}' is a variable-size vector; TorchClassifier needs a known size (load it with a fixed column range or resize it).");
        return vector.Size;
    }

    /// <summary>The key type of a key-typed label column.</summary>
    public static KeyDataViewType CheckLabel(DataViewSchema schema, string name)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Could not find label column '{name}' (set LabelColumnName).");
        return CheckLabelType(name, column.Type);
    }

    public static void CheckFeatures(SchemaShape shape, string name)
    {
        if (Find(shape, name) is not { } column)
            throw new ArgumentOutOfRangeException(nameof(shape), $"Could not find feature column '{name}' (set FeatureColumnName).");
        if (column.ItemType != NumberDataViewType.Single || column.IsKey || column.Kind == SchemaShape.Column.VectorKind.Scalar)
            throw new ArgumentOutOfRangeException(nameof(shape),
                $"Feature column '{name}' is {column.Kind} of {column.ItemType}; TorchClassifier needs a known-size vector of Single (e.g. Concatenate numeric columns, ConvertType to Single).");
        if (column.Kind == SchemaShape.Column.VectorKind.VariableVector)
            throw new ArgumentOutOfRangeException(nameof(shape),
                $"Feature column '{name}' is a variable-size vector; TorchClassifier needs a known size (load it with a fixed column range or resize it).");
    }

    /// <summary>Checks a label shape: a shape records a key column as its raw type with IsKey set (the key count is not known yet).</summary>
    public static SchemaShape.Column CheckLabel(SchemaShape shape, string name)
    {
        if (Find(shape, name) is not { } column)
            throw new ArgumentOutOfRangeException(nameof(shape), $"Could not find label column '{name}' (set LabelColumnName).");
        if (column.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw new ArgumentOutOfRangeException(nameof(shape), $"Label column '{name}' is a vector; TorchClassifier needs a scalar key. Use MapValueToKey on a scalar label.");
        if (!column.IsKey)
            throw new ArgumentOutOfRangeException(nameof(shape),
                $"Label column '{name}' is {column.ItemType}, not a key type. Convert it with mlContext.Transforms.Conversion.MapValueToKey(\"{name}\") first.");
        if (column.ItemType.RawType != typeof(uint))
            throw new ArgumentOutOfRangeException(nameof(shape),
                $"Label column '{name}' is a key of {column.ItemType.RawType.Name}; TorchClassifier reads UInt32 keys, which MapValueToKey produces.");
        return column;
    }

    private static KeyDataViewType CheckLabelType(string name, DataViewType type)
    {
        if (type is not KeyDataViewType key)
            throw new ArgumentOutOfRangeException("schema",
                $"Label column '{name}' is {type}, not a key type. Convert it with mlContext.Transforms.Conversion.MapValueToKey(\"{name}\") first.");
        if (key.RawType != typeof(uint))
            throw new ArgumentOutOfRangeException("schema",
                $"Label column '{name}' is a key of {key.RawType.Name}; TorchClassifier reads UInt32 keys, which MapValueToKey produces.");
        if (key.Count < 2 || key.Count > int.MaxValue)
            throw new ArgumentOutOfRangeException("schema", $"Label column '{name}' has {key.Count} classes; TorchClassifier needs between 2 and {int.MaxValue}.");
        return key;
    }

    /// <summary>
    /// <paramref name="input"/> with Score and PredictedLabel added. SchemaShape.Column's
    /// constructor is internal, so a never-run CustomMapping estimator with the wanted output
    /// types builds the column shapes (docs/design.md, "Platform facts").
    /// </summary>
    public static SchemaShape AddOutputColumns(SchemaShape input, SchemaShape.Column label)
    {
        // A shape knows neither vector sizes nor key counts, so any count builds the same shape.
        const int classes = 2;
        var labelKey = new KeyDataViewType(typeof(uint), classes);
        var definition = SchemaDefinition.Create(typeof(OutputRow));
        var score = definition[ScoreColumnName];
        score.ColumnType = new VectorDataViewType(NumberDataViewType.Single, classes);
        score.AddAnnotation(ScoreColumnKind, "MulticlassClassification".AsMemory(), TextDataViewType.Instance);
        score.AddAnnotation(ScoreValueKind, "Score".AsMemory(), TextDataViewType.Instance);
        var predicted = definition[PredictedLabelColumnName];
        predicted.ColumnType = labelKey;
        if (Find(label.Annotations, KeyValues) is { ItemType: PrimitiveDataViewType valueType })
        {
            score.AddAnnotation(SlotNames, default(VBuffer<ReadOnlyMemory<char>>), new VectorDataViewType(TextDataViewType.Instance, classes));
            AddEmptyVectorAnnotation.MakeGenericMethod(valueType.RawType)
                .Invoke(null, [predicted, KeyValues, new VectorDataViewType(valueType, classes)]);
        }
        var added = new MLContext(seed: 0).Transforms
            .CustomMapping<NoInput, OutputRow>((_, _) => { }, contractName: null, outputSchemaDefinition: definition)
            .GetOutputSchema(new SchemaShape([]));
        var addedNames = added.Select(c => c.Name).ToHashSet();
        return new SchemaShape(input.Where(c => !addedNames.Contains(c.Name)).Concat(added));
    }

    // SchemaShape.TryFindColumn is internal.
    private static SchemaShape.Column? Find(SchemaShape shape, string name) =>
        shape.Where(c => c.Name == name).Select(c => (SchemaShape.Column?)c).LastOrDefault();

    private static readonly MethodInfo AddEmptyVectorAnnotation =
        typeof(TorchClassifierSchema).GetMethod(nameof(AddEmptyVector), BindingFlags.NonPublic | BindingFlags.Static)!;

    // Only the annotation's type matters for a schema shape, so the value is empty.
    private static void AddEmptyVector<T>(SchemaDefinition.Column column, string kind, DataViewType type) =>
        column.AddAnnotation(kind, default(VBuffer<T>), type);

    /// <summary>The input of the schema-only CustomMapping: no columns.</summary>
    internal sealed class NoInput;

    /// <summary>The output of the schema-only CustomMapping; its types are set in the schema definition.</summary>
    internal sealed class OutputRow
    {
        public float[] Score = [];
        public uint PredictedLabel;
    }
}
