using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Loop;

/// <summary>Ready-made oracles.</summary>
public static class Oracles
{
    /// <summary>
    /// Simulates a person from a pool column (experiments): the loop hides that column from the
    /// learner for unlabelled rows, and this oracle reveals a row's value when asked.
    /// </summary>
    public static IOracle FromLabelColumn(string labelColumnName = "Label") => new LabelColumnOracle(labelColumnName);

    /// <summary>
    /// A person at a console: each selected row is shown with <paramref name="describe"/> (by
    /// default its columns' values) and the typed line is the label. An empty line skips the row;
    /// "q" stops (labels so far are kept in the checkpoint).
    /// </summary>
    /// <param name="input">Where answers are read from (usually Console.In).</param>
    /// <param name="output">Where rows and prompts are written (usually Console.Out).</param>
    /// <param name="describe">Renders one row for the person; receives the row and its id.</param>
    /// <param name="validLabels">When given, other answers are refused and asked again.</param>
    public static IOracle Console(TextReader input, TextWriter output, Func<DataViewRow, long, string>? describe = null, IReadOnlyCollection<string>? validLabels = null) =>
        new ConsoleOracle(input, output, describe, validLabels);

    private sealed class LabelColumnOracle(string column) : IOracle
    {
        public async IAsyncEnumerable<OracleAnswer> LabelAsync(OracleQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var label = query.Rows.Schema.GetColumnOrNull(column)
                ?? throw new ArgumentException($"Oracle label column '{column}' is not in the pool.");
            var found = new Dictionary<long, object>();
            using (var cursor = query.Rows.GetRowCursor([label, query.Rows.Schema[query.RowIdColumnName]]))
            {
                var read = LabelValues.Reader(cursor, label);
                var id = cursor.GetGetter<long>(query.Rows.Schema[query.RowIdColumnName]);
                long rowId = 0;
                while (cursor.MoveNext())
                {
                    id(ref rowId);
                    found[rowId] = read();
                }
            }
            foreach (long rowId in query.RowIds)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return new OracleAnswer(rowId, found.TryGetValue(rowId, out var value) ? value : null);
            }
            await Task.CompletedTask.ConfigureAwait(false);
        }
    }

    private sealed class ConsoleOracle(TextReader input, TextWriter output, Func<DataViewRow, long, string>? describe, IReadOnlyCollection<string>? validLabels) : IOracle
    {
        public async IAsyncEnumerable<OracleAnswer> LabelAsync(OracleQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var shown = new Dictionary<long, string>();
            using (var cursor = query.Rows.GetRowCursor(query.Rows.Schema))
            {
                var id = cursor.GetGetter<long>(query.Rows.Schema[query.RowIdColumnName]);
                long rowId = 0;
                while (cursor.MoveNext())
                {
                    id(ref rowId);
                    shown[rowId] = describe?.Invoke(cursor, rowId) ?? DescribeColumns(cursor);
                }
            }
            int asked = 0;
            foreach (long rowId in query.RowIds)
            {
                asked++;
                await output.WriteLineAsync($"-- row {rowId} ({asked} of {query.RowIds.Count})").ConfigureAwait(false);
                await output.WriteLineAsync(shown.GetValueOrDefault(rowId, "(row not found)")).ConfigureAwait(false);
                while (true)
                {
                    string valid = validLabels is null ? "" : $" [{string.Join('/', validLabels)}]";
                    await output.WriteAsync($"label{valid} (empty = skip, q = quit): ").ConfigureAwait(false);
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    string? line = await input.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                    if (line is null || line.Trim() == "q") throw new OperationCanceledException("The person stopped labelling; labels so far are saved.");
                    line = line.Trim();
                    if (line.Length == 0)
                    {
                        yield return new OracleAnswer(rowId, null);
                        break;
                    }
                    if (validLabels is not null && !validLabels.Contains(line))
                    {
                        await output.WriteLineAsync($"'{line}' is not one of {string.Join(", ", validLabels)}.").ConfigureAwait(false);
                        continue;
                    }
                    yield return new OracleAnswer(rowId, line);
                    break;
                }
            }
        }

        private static string DescribeColumns(DataViewRow row)
        {
            var parts = new List<string>();
            foreach (var column in row.Schema.Where(c => !c.IsHidden))
            {
                string text = column.Type switch
                {
                    TextDataViewType => Read<ReadOnlyMemory<char>>(row, column).ToString(),
                    VectorDataViewType { ItemType: NumberDataViewType n } when n.RawType == typeof(float) =>
                        string.Join(' ', Read<VBuffer<float>>(row, column).DenseValues().Take(16).Select(v => v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture))),
                    NumberDataViewType n when n.RawType == typeof(float) => Read<float>(row, column).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    NumberDataViewType n when n.RawType == typeof(long) => Read<long>(row, column).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    _ => $"({column.Type})",
                };
                parts.Add($"{column.Name}: {text}");
            }
            return string.Join(Environment.NewLine, parts);
        }

        private static T Read<T>(DataViewRow row, DataViewSchema.Column column)
        {
            T value = default!;
            row.GetGetter<T>(column)(ref value);
            return value;
        }
    }
}
