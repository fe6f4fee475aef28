using Energizer.ML.Inference;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Scoring;

/// <summary>
/// Estimator of the pool scorer. <see cref="Fit"/> learns nothing from the pool (pool rows have
/// no labels): it checks the pool's schema against the learner and returns the scorer.
/// </summary>
public sealed class AcquisitionScorerEstimator : IEstimator<AcquisitionScorerTransformer>
{
    private readonly MLContext _context;
    private readonly ITransformer _learner;
    private readonly AcquisitionScorerOptions _options;

    internal AcquisitionScorerEstimator(MLContext context, ITransformer learner, AcquisitionScorerOptions options)
    {
        _context = context;
        _learner = learner;
        _options = options;
        _ = new AcquisitionScorerTransformer(learner, options); // validates the options now, not at Fit
    }

    /// <inheritdoc />
    public AcquisitionScorerTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var scorer = new AcquisitionScorerTransformer(_learner, _options);
        _ = scorer.GetOutputSchema(input.Schema);
        return scorer;
    }

    private static bool IsInteger(Type type) => type == typeof(int) || type == typeof(long) || type == typeof(uint) || type == typeof(ulong);

    /// <summary>The pool's columns plus the ones the scorer adds, checked against the learner.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (_options.IdColumnName is { } id)
        {
            var idColumn = inputSchema.FirstOrDefault(c => c.Name == id);
            if (idColumn.Name != id)
                throw new ArgumentException($"Id column '{id}' is not in the pool.", nameof(inputSchema));
            if (idColumn.Kind != SchemaShape.Column.VectorKind.Scalar || !IsInteger(idColumn.ItemType.RawType))
                throw new ArgumentException($"Id column '{id}' must hold integers (Int32, Int64, UInt32, UInt64 or a key type).", nameof(inputSchema));
        }
        // SchemaShape vectors carry no size; the learner's own checks need real sizes and run in Fit.
        bool embeddings = _options.EmbeddingColumnName is not null || _options.Strategy!.NeedsEmbeddings;
        var added = ScoredColumns.Added(_options, _options.Strategy!, classes: 1, iterations: 1, embeddingSize: embeddings ? 1 : 0);
        return SchemaShapes.Append(_context, inputSchema, added.Select(a => (a.Name, a.Type)));
    }
}
