using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Loop;

/// <summary>
/// What <see cref="ActiveLearningTrainer"/> fits as an ML.NET estimator: it scores, describes its
/// output and saves exactly as the run's final model (<see cref="ActiveLearningResult.Model"/>),
/// and carries the run's <see cref="Result"/>. <c>mlContext.Model.Save</c> stores the final
/// model itself, so <c>mlContext.Model.Load</c> gives back that model.
/// </summary>
public sealed class ActiveLearningTransformer : ITransformer
{
    internal ActiveLearningTransformer(ActiveLearningResult result) => Result = result;

    /// <summary>The run: history, labels and the final model.</summary>
    public ActiveLearningResult Result { get; }

    /// <summary>The final model, fitted after the last query on every labelled row.</summary>
    public ITransformer Model => Result.Model;

    /// <inheritdoc />
    public bool IsRowToRowMapper => Model.IsRowToRowMapper;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Model.GetOutputSchema(inputSchema);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => Model.GetRowToRowMapper(inputSchema);

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => Model.Transform(input);

    /// <summary>Saves the final model in its own format (see docs/design.md, "Platform facts the code relies on": saving goes through a built-in transformer).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => Model.Save(ctx);
}
