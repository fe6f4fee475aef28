using System.Collections.Concurrent;
using Energizer.ML.Loop;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Labelling;

/// <summary>Passes queries and reports to a web oracle, keeping each query's model guesses (read here independently) and each report.</summary>
internal sealed class RecordingOracle(Energizer.ML.Labelling.WebOracle inner) : IOracle, IProgress<RoundReport>
{
    public ConcurrentQueue<OracleQuery> Queries { get; } = new();

    public ConcurrentQueue<RoundReport> Reports { get; } = new();

    /// <summary>Per row of the queries so far: the model's predicted key and that key's probability.</summary>
    public ConcurrentDictionary<long, (uint Key, float Probability)> Guesses { get; } = new();

    public IAsyncEnumerable<OracleAnswer> LabelAsync(OracleQuery query, CancellationToken cancellationToken)
    {
        Queries.Enqueue(query);
        if (query.ScoredRows is { } scored)
        {
            using var cursor = scored.GetRowCursor(scored.Schema);
            var id = cursor.GetGetter<long>(scored.Schema[query.RowIdColumnName]);
            var key = cursor.GetGetter<uint>(scored.Schema["PredictedLabel"]);
            var score = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
            long rowId = 0;
            uint k = 0;
            VBuffer<float> probabilities = default;
            while (cursor.MoveNext())
            {
                id(ref rowId);
                key(ref k);
                score(ref probabilities);
                Guesses[rowId] = (k, probabilities.GetValues()[(int)k - 1]);
            }
        }
        return inner.LabelAsync(query, cancellationToken);
    }

    public void Report(RoundReport value)
    {
        Reports.Enqueue(value);
        inner.Report(value);
    }
}
