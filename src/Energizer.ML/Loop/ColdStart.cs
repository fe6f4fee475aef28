using Energizer.ML.Acquisition;
using Energizer.ML.Numerics;
using Energizer.ML.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Loop;

/// <summary>
/// Chooses rows before any model exists (<see cref="ActiveLearningOptions.InitialStrategy"/>): the
/// strategy picks from every unlabelled row's embedding, read from a pool column, with uniform
/// probabilities standing in for the missing predictions.
/// </summary>
internal static class ColdStart
{
    /// <summary>
    /// Up to <paramref name="k"/> row ids picked by <paramref name="strategy"/> from the rows neither
    /// labelled nor excluded; the rows' probabilities are uniform over <paramref name="classes"/>.
    /// </summary>
    public static List<long> Select(IDataView pool, string? idColumnName, string embeddingColumnName, AcquisitionStrategy strategy, int k, int classes,
        IReadOnlySet<long> labelled, IReadOnlySet<long> excluded)
    {
        var column = pool.Schema.GetColumnOrNull(embeddingColumnName)
            ?? throw new ArgumentException(
                $"ActiveLearningOptions.InitialStrategy {strategy.Name} reads embeddings from column '{embeddingColumnName}', which is not in the pool: "
                + "name a known-size vector of Single in ActiveLearningOptions.EmbeddingColumnName.", nameof(pool));
        if (column.Type is not VectorDataViewType { ItemType: var item, Size: > 0 } || item != NumberDataViewType.Single)
            throw new ArgumentException(
                $"ActiveLearningOptions.InitialStrategy {strategy.Name} needs column '{embeddingColumnName}' to be a known-size vector of Single; it is {column.Type}.", nameof(pool));
        int width = ((VectorDataViewType)column.Type).Size;
        var ids = new List<long>();
        var embeddings = new List<float>();
        var labelledEmbeddings = new List<float>();
        var columns = new List<DataViewSchema.Column> { column };
        DataViewSchema.Column? idColumn = idColumnName is null ? null : pool.Schema[idColumnName];
        if (idColumn is { } ic) columns.Add(ic);
        using (var cursor = pool.GetRowCursor(columns))
        {
            var embedding = cursor.GetGetter<VBuffer<float>>(column);
            Func<long> id = idColumn is { } idc ? IdReader.Create(cursor, idc) : () => cursor.Position;
            VBuffer<float> buffer = default;
            while (cursor.MoveNext())
            {
                long rowId = id();
                if (excluded.Contains(rowId)) continue;
                embedding(ref buffer);
                if (labelled.Contains(rowId))
                {
                    labelledEmbeddings.AddRange(buffer.DenseValues());
                    continue;
                }
                ids.Add(rowId);
                embeddings.AddRange(buffer.DenseValues());
            }
        }
        if (ids.Count == 0 || k <= 0) return [];
        var uniform = new float[ids.Count * classes];
        Array.Fill(uniform, 1f / classes);
        var batch = new AcquisitionBatch(new ProbabilityTensor(uniform, 1, ids.Count, classes), [.. ids], [.. embeddings], width);
        var picked = strategy.Select(batch, Math.Min(k, ids.Count), labelledEmbeddings.Count > 0 ? labelledEmbeddings.ToArray() : null);
        return [.. picked.Select(p => ids[p])];
    }
}
