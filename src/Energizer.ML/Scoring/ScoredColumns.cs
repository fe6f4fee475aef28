using Energizer.ML.Acquisition;
using Energizer.ML.Inference;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Scoring;

/// <summary>The columns the scorer adds to a pool, after the pool's own columns.</summary>
internal sealed class ScoredColumns
{
    /// <summary>Annotation on the probabilities column: T, so readers can split T×C.</summary>
    public const string IterationsAnnotation = "ProbabilityIterations";

    /// <summary>Annotation on the score column: the name of the batch-aware strategy whose pre-filter score it holds.</summary>
    public const string BatchAwareStrategyAnnotation = "BatchAwareStrategy";

    private ScoredColumns(DataViewSchema pool, IReadOnlyList<(string Name, DataViewType Type, string Role)> added, int iterations, AcquisitionStrategy strategy)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var column in pool) builder.AddColumn(column.Name, column.Type, column.Annotations);
        for (int i = 0; i < added.Count; i++)
        {
            DataViewSchema.Annotations? annotations = null;
            if (added[i].Role == nameof(Probabilities))
            {
                var annotationBuilder = new DataViewSchema.Annotations.Builder();
                annotationBuilder.Add(IterationsAnnotation, NumberDataViewType.Int32, (ref int value) => value = iterations);
                annotations = annotationBuilder.ToAnnotations();
            }
            else if (added[i].Role == nameof(Score) && strategy.IsBatchAware)
            {
                // A view that wraps the scorer's output keeps this, so selection can tell that a
                // plain top-k of the column would not be the strategy's pick.
                var annotationBuilder = new DataViewSchema.Annotations.Builder();
                var name = strategy.Name.AsMemory();
                annotationBuilder.Add(BatchAwareStrategyAnnotation, TextDataViewType.Instance, (ref ReadOnlyMemory<char> value) => value = name);
                annotations = annotationBuilder.ToAnnotations();
            }
            builder.AddColumn(added[i].Name, added[i].Type, annotations);
            int index = pool.Count + i;
            switch (added[i].Role)
            {
                case nameof(Score): Score = index; break;
                case nameof(RowId): RowId = index; break;
                case nameof(MeanProbabilities): MeanProbabilities = index; break;
                case nameof(Probabilities): Probabilities = index; break;
                case nameof(Embedding): Embedding = index; break;
            }
        }
        PoolColumnCount = pool.Count;
        Schema = builder.ToSchema();
    }

    /// <summary>The added columns, in order: name, type and role.</summary>
    public static List<(string Name, DataViewType Type, string Role)> Added(
        AcquisitionScorerOptions options, AcquisitionStrategy strategy, int classes, int iterations, int embeddingSize)
    {
        var added = new List<(string, DataViewType, string)> { (options.OutputColumnName, NumberDataViewType.Single, nameof(Score)) };
        if (options.IdColumnName is null) added.Add((options.RowIdColumnName, NumberDataViewType.Int64, nameof(RowId)));
        if (options.MeanProbabilitiesColumnName is { } mean)
            added.Add((mean, new VectorDataViewType(NumberDataViewType.Single, classes), nameof(MeanProbabilities)));
        if (strategy.IsBatchAware)
        {
            // Batch-aware strategies pick jointly from the top-M candidates, so each row carries
            // what the joint pick needs: its T×C probabilities and, when used, its embedding.
            added.Add((ProbabilitiesName(options.OutputColumnName),
                new VectorDataViewType(NumberDataViewType.Single, iterations * classes), nameof(Probabilities)));
            if (embeddingSize > 0)
                added.Add((EmbeddingName(options.OutputColumnName), new VectorDataViewType(NumberDataViewType.Single, embeddingSize), nameof(Embedding)));
        }
        return added;
    }

    public DataViewSchema Schema { get; }

    public int PoolColumnCount { get; }

    public int Score { get; }

    public int RowId { get; } = -1;

    public int MeanProbabilities { get; } = -1;

    public int Probabilities { get; } = -1;

    public int Embedding { get; } = -1;

    public static string ProbabilitiesName(string scoreColumn) => scoreColumn + ".Probabilities";

    public static string EmbeddingName(string scoreColumn) => scoreColumn + ".Embedding";

    public static ScoredColumns Create(AcquisitionScorerOptions options, InferenceShape shape, DataViewSchema pool, AcquisitionStrategy strategy) =>
        new(pool, Added(options, strategy, shape.ClassCount, shape.Iterations, shape.EmbeddingSize), shape.Iterations, strategy);

    /// <summary>The batch-aware strategy whose pre-filter score <paramref name="score"/> holds, by name; null when none says so.</summary>
    public static string? BatchAwareStrategyOf(DataViewSchema.Column score)
    {
        if (score.Annotations.Schema.GetColumnOrNull(BatchAwareStrategyAnnotation) is null) return null;
        ReadOnlyMemory<char> name = default;
        score.Annotations.GetValue(BatchAwareStrategyAnnotation, ref name);
        return name.ToString();
    }

    /// <summary>Reads T from a probabilities column written by the scorer.</summary>
    public static int ReadIterations(DataViewSchema.Column column)
    {
        if (column.Annotations.Schema.GetColumnOrNull(IterationsAnnotation) is null)
            throw new ArgumentException($"Column '{column.Name}' does not say how many passes its probabilities hold (annotation '{IterationsAnnotation}').");
        int iterations = 0;
        column.Annotations.GetValue(IterationsAnnotation, ref iterations);
        return iterations;
    }
}
