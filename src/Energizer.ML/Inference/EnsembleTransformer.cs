using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Inference;

/// <summary>
/// K fitted members. <see cref="Transform"/> gives member 0's output columns (the input as its
/// pipeline leaves it, e.g. a label mapped to a key) and adds <c>Score</c> (the mean of the
/// members' class probabilities, classes matched by name), <c>PredictedLabel</c> (its arg-max, of
/// member 0's key type) and, for <see cref="InferenceMode.Ensemble"/>, each member's
/// probabilities as <c>Score.Member{k}</c> (in member 0's class order).
/// </summary>
public sealed class EnsembleTransformer : ITransformer
{
    internal EnsembleTransformer(IReadOnlyList<ITransformer> members, DataViewSchema trainingSchema)
    {
        Members = members;
        var first = members[0].GetOutputSchema(trainingSchema);
        ScoreType = first.GetColumnOrNull("Score") is { Type: VectorDataViewType { Size: > 1, ItemType: NumberDataViewType n } v } && n.RawType == typeof(float)
            ? v
            : throw new ArgumentException("Ensemble members must be multiclass classifiers with a 'Score' vector of class probabilities.");
        PredictedLabel = first.GetColumnOrNull("PredictedLabel")
            ?? throw new ArgumentException("Ensemble members must output a 'PredictedLabel' column.");
        ScoreAnnotations = first["Score"].Annotations;
        string[]? classes = SlotNames(first["Score"]);
        var order = new int[]?[members.Count];
        for (int k = 1; k < members.Count; k++)
        {
            var score = members[k].GetOutputSchema(trainingSchema).GetColumnOrNull("Score");
            if (score?.Type is not { } type || !type.Equals(ScoreType))
                throw new ArgumentException($"Ensemble member {k} predicts a different number of classes than member 0 ({ScoreType.Size}).");
            order[k] = ClassOrder(k, classes, SlotNames(score.Value));
        }
        MemberClassOrder = order;
    }

    /// <summary>
    /// For each member, where each of its classes sits in member 0's order (null: the same order).
    /// Members that learned their label's key values from their own (bootstrap) rows can number the
    /// classes differently; their probabilities are reordered by the classes' names (Score's slot names).
    /// </summary>
    internal IReadOnlyList<int[]?> MemberClassOrder { get; }

    /// <summary>Member 0's annotations of <c>Score</c> (its slot names: the class names), which the mean keeps.</summary>
    internal DataViewSchema.Annotations ScoreAnnotations { get; }

    private static string[]? SlotNames(DataViewSchema.Column score)
    {
        if (!score.HasSlotNames()) return null;
        VBuffer<ReadOnlyMemory<char>> names = default;
        score.GetSlotNames(ref names);
        return [.. names.DenseValues().Select(n => n.ToString())];
    }

    private static int[]? ClassOrder(int member, string[]? reference, string[]? classes)
    {
        if (reference is null || classes is null) return null;
        string Describe(string[] names) => string.Join(", ", names.Select(n => $"'{n}'"));
        if (reference.Length != classes.Length || reference.Distinct().Count() != reference.Length || !classes.Order().SequenceEqual(reference.Order()))
            throw new ArgumentException(
                $"Ensemble member {member} predicts the classes {Describe(classes)} but member 0 predicts {Describe(reference)}: "
                + "with bootstrap resamples a class can be missing from a member's rows. Give the label its key values up front "
                + "(MapValueToKey with keyData listing every class) in the member's pipeline.");
        var order = classes.Select(name => Array.IndexOf(reference, name)).ToArray();
        return order.Select((position, c) => position == c).All(same => same) ? null : order;
    }

    /// <summary>The fitted members.</summary>
    public IReadOnlyList<ITransformer> Members { get; }

    internal VectorDataViewType ScoreType { get; }

    internal DataViewSchema.Column PredictedLabel { get; }

    /// <summary>Name of member <paramref name="k"/>'s probability column.</summary>
    public static string MemberScoreName(int k) => $"Score.Member{k}";

    /// <summary>False: members run side by side over whole cursors.</summary>
    public bool IsRowToRowMapper => false;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => EnsembleView.BuildSchema(this, inputSchema);

    /// <summary>Adds the committee's columns, lazily.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new EnsembleView(this, input);
    }

    /// <summary>Not supported: use <see cref="Transform"/>.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        throw new NotSupportedException("An ensemble reads its members' cursors side by side; use Transform.");

    /// <summary>Not supported: save each member with mlContext.Model.Save.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("Save each member of EnsembleTransformer.Members with mlContext.Model.Save.");
}
