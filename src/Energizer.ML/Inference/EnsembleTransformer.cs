using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Inference;

/// <summary>
/// K fitted members. <see cref="Transform"/> adds <c>Score</c> (the mean of the members' class
/// probabilities), <c>PredictedLabel</c> (its arg-max, of the members' key type) and, for
/// <see cref="InferenceMode.Ensemble"/>, each member's probabilities as <c>Score.Member{k}</c>.
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
        for (int k = 1; k < members.Count; k++)
        {
            if (members[k].GetOutputSchema(trainingSchema).GetColumnOrNull("Score")?.Type is not { } type || !type.Equals(ScoreType))
                throw new ArgumentException($"Ensemble member {k} predicts a different number of classes than member 0 ({ScoreType.Size}).");
        }
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
