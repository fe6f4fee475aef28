using System.Globalization;
using Energizer.ML.Loop;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Labelling;

/// <summary>Turns a query's rows into what the page shows, in the query's order (best first).</summary>
internal static class QueryReader
{
    public static IReadOnlyList<QueryItem> Read(OracleQuery query, RowRenderer? renderer, IReadOnlyList<LabelClass> classes)
    {
        var schema = query.Rows.Schema;
        var html = renderer?.Bind(schema);
        // The label column holds the answer (experiments) or nothing: never shown.
        var notListed = new HashSet<string>(renderer?.Columns ?? []) { query.RowIdColumnName, query.LabelColumnName };
        var listed = schema.Where(c => !c.IsHidden && !notListed.Contains(c.Name)).ToList();
        var items = new Dictionary<long, QueryItem>();
        using (var cursor = query.Rows.GetRowCursor(schema))
        {
            var id = cursor.GetGetter<long>(schema[query.RowIdColumnName]);
            long rowId = 0;
            while (cursor.MoveNext())
            {
                id(ref rowId);
                items[rowId] = new QueryItem(rowId, html?.Invoke(cursor, rowId) ?? "",
                    [.. listed.Select(c => new QueryItem.Field(c.Name, ColumnText.Describe(cursor, c)))], null);
            }
        }
        var guesses = query.ScoredRows is { } scored ? Guesses(scored, query.RowIdColumnName, classes) : [];
        return [.. query.RowIds.Select(rowId => items.TryGetValue(rowId, out var item)
            ? item with { Guess = guesses.GetValueOrDefault(rowId) }
            : new QueryItem(rowId, "", [new QueryItem.Field("Row", $"{rowId} (not found in the pool)")], null))];
    }

    /// <summary>The predicted class and its probability per row, from the model's PredictedLabel (a key) and Score columns.</summary>
    private static Dictionary<long, QueryItem.ModelGuess> Guesses(IDataView scored, string rowIdColumn, IReadOnlyList<LabelClass> classes)
    {
        var guesses = new Dictionary<long, QueryItem.ModelGuess>();
        if (scored.Schema.GetColumnOrNull("PredictedLabel") is not { Type: KeyDataViewType } predicted
            || scored.Schema.GetColumnOrNull("Score") is not { Type: VectorDataViewType { ItemType: NumberDataViewType n } } score
            || n.RawType != typeof(float))
            return guesses;
        var keyValues = KeyValues(predicted);
        var names = classes.ToDictionary(c => c.Value, c => c.Name);
        using var cursor = scored.GetRowCursor([scored.Schema[rowIdColumn], predicted, score]);
        var id = cursor.GetGetter<long>(scored.Schema[rowIdColumn]);
        var key = cursor.GetGetter<uint>(predicted);
        var scores = cursor.GetGetter<VBuffer<float>>(score);
        long rowId = 0;
        uint k = 0;
        VBuffer<float> probabilities = default;
        while (cursor.MoveNext())
        {
            id(ref rowId);
            key(ref k);
            scores(ref probabilities);
            if (k == 0 || k > probabilities.Length) continue;
            // Key k is the (k-1)th class of the model; its value is the label as a person answers it.
            string value = k <= keyValues.Count ? keyValues[(int)k - 1] : k.ToString(CultureInfo.InvariantCulture);
            guesses[rowId] = new QueryItem.ModelGuess(value, names.GetValueOrDefault(value, value), probabilities.GetItemOrDefault((int)k - 1));
        }
        return guesses;
    }

    private static List<string> KeyValues(DataViewSchema.Column column)
    {
        const string kind = "KeyValues";
        if (column.Annotations.Schema.GetColumnOrNull(kind) is not { Type: VectorDataViewType { ItemType: var item } }) return [];
        var c = CultureInfo.InvariantCulture;
        if (item is TextDataViewType) return Values<ReadOnlyMemory<char>>(column, kind, v => v.ToString());
        if (item.RawType == typeof(float)) return Values<float>(column, kind, v => v.ToString(c));
        if (item.RawType == typeof(double)) return Values<double>(column, kind, v => v.ToString(c));
        if (item.RawType == typeof(int)) return Values<int>(column, kind, v => v.ToString(c));
        if (item.RawType == typeof(long)) return Values<long>(column, kind, v => v.ToString(c));
        if (item.RawType == typeof(uint)) return Values<uint>(column, kind, v => v.ToString(c));
        if (item.RawType == typeof(bool)) return Values<bool>(column, kind, v => v ? "true" : "false");
        return [];
    }

    private static List<string> Values<T>(DataViewSchema.Column column, string kind, Func<T, string> text)
    {
        VBuffer<T> values = default;
        column.Annotations.GetValue(kind, ref values);
        return [.. values.DenseValues().Select(text)];
    }
}
