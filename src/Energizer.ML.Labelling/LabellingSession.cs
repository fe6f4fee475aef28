using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Energizer.ML.Loop;

namespace Energizer.ML.Labelling;

/// <summary>
/// The state the pages share: the open query, which row each page holds (a lease that expires
/// when the page goes quiet), and the answers on their way to the loop. Answers pass to the loop
/// one at a time in the order they were accepted, and a page hears "saved" only when the loop asks
/// for the next answer, which it does after checkpointing the previous one (docs/design.md,
/// "The labelling page").
/// </summary>
internal sealed class LabellingSession
{
    private readonly object _gate = new();
    private readonly Channel<Submission> _submissions = Channel.CreateUnbounded<Submission>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TimeProvider _clock;
    private readonly List<RoundReport> _reports = [];
    private OpenQuery? _query;
    private DateTimeOffset _trainingSince;
    private string? _finished;
    private int _labelled;
    private int? _budget;

    public LabellingSession(IReadOnlyList<LabelClass> classes, TimeSpan leaseDuration, TimeProvider clock)
    {
        Classes = classes;
        LeaseDuration = leaseDuration;
        _clock = clock;
        _trainingSince = clock.GetUtcNow();
    }

    public IReadOnlyList<LabelClass> Classes { get; }

    public TimeSpan LeaseDuration { get; }

    private enum RowStatus
    {
        Open,
        Leased,
        Saving,
        Answered,
        Retracting,
    }

    /// <summary>The answers of one query, handed to the loop as they are accepted.</summary>
    public async IAsyncEnumerable<OracleAnswer> LabelAsync(OracleQuery query, IReadOnlyList<QueryItem> items, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var open = new OpenQuery(query.Round, items);
        lock (_gate)
        {
            _query = open;
            _labelled = query.LabelledCount;
            _budget = query.Budget;
            if (_reports.Count < query.History.Count)
            {
                _reports.Clear();
                _reports.AddRange(query.History);
            }
        }
        Submission? current = null;
        try
        {
            while (!IsDone(open))
            {
                current = await _submissions.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                yield return current.Answer;
                // The loop asks for the next answer only after checkpointing this one: it is durable.
                Settle(open, current);
                current = null;
            }
        }
        finally
        {
            Close(current);
        }
    }

    /// <summary>A round's report: the curve grows, and the final one says why the run stopped.</summary>
    public void Report(RoundReport report)
    {
        lock (_gate)
        {
            _reports.RemoveAll(r => r.Round == report.Round);
            _reports.Add(report);
            _labelled = Math.Max(_labelled, report.LabelledCount);
            if (report.StopReason is { } reason) _finished = reason;
        }
    }

    /// <summary>What <paramref name="page"/> shows now; leases it a row when one is free.</summary>
    public PageState StateFor(string page)
    {
        lock (_gate)
        {
            var curve = _reports.OrderBy(r => r.Round).ToList();
            var now = _clock.GetUtcNow();
            if (_query is not { } q)
            {
                string kind = _finished is null ? PageState.Training : PageState.Finished;
                return new PageState(kind, _finished, null, null, (now - _trainingSince).TotalSeconds, Progress(null), curve);
            }
            ExpireLeases(q, now);
            var held = q.Rows.FirstOrDefault(r => r.Status == RowStatus.Leased && r.Page == page)
                ?? q.Rows.FirstOrDefault(r => r.Status == RowStatus.Open);
            if (held is null) return new PageState(PageState.Waiting, null, null, LastAnswer(q, page), 0, Progress(q), curve);
            held.Status = RowStatus.Leased;
            held.Page = page;
            held.LeaseExpires = now + LeaseDuration;
            return new PageState(PageState.Labelling, null, held.Item, LastAnswer(q, page), 0, Progress(q), curve);
        }
    }

    /// <summary>The row ids of the open query and whether each is answered (for tools and tests); null between queries.</summary>
    public QueryStatus? Query()
    {
        lock (_gate)
        {
            return _query is { } q
                ? new QueryStatus(q.Round, [.. q.Rows.Where(r => r.Status != RowStatus.Answered).Select(r => r.Item.RowId)], [.. q.Rows.Where(r => r.Status == RowStatus.Answered).Select(r => r.Item.RowId)])
                : null;
        }
    }

    /// <summary>Records <paramref name="page"/>'s answer (null label: skip) and completes once the loop has checkpointed it.</summary>
    public async Task<Outcome> AnswerAsync(string page, long rowId, string? label)
    {
        Submission submission;
        lock (_gate)
        {
            if (label is not null && Classes.All(c => c.Value != label))
                return Outcome.BadRequest($"Unknown class '{label}'; the classes are {string.Join(", ", Classes.Select(c => c.Value))}.");
            if (_query is not { } q) return Outcome.Conflict($"Row {rowId} was not saved: its round is closed (the next model is training).");
            if (!q.ById.TryGetValue(rowId, out var row)) return Outcome.BadRequest($"Row {rowId} is not in the open query (round {q.Round}).");
            ExpireLeases(q, _clock.GetUtcNow());
            if (row.Status is RowStatus.Saving or RowStatus.Answered or RowStatus.Retracting)
                return Outcome.Conflict($"Row {rowId} was already answered{(row.Page == page ? "" : " on another page")}; this answer was not recorded.");
            if (row.Status == RowStatus.Leased && row.Page != page)
                return Outcome.Conflict($"Row {rowId} is being labelled on another page; this answer was not recorded.");
            row.Status = RowStatus.Saving;
            row.Page = page;
            submission = new Submission(new OracleAnswer(rowId, label), page, label);
            _submissions.Writer.TryWrite(submission);
        }
        await submission.Durable.Task.ConfigureAwait(false);
        return Outcome.Saved(label is null ? $"Row {rowId} skipped." : $"Row {rowId} saved as {NameOf(label)}.", rowId);
    }

    /// <summary>Takes back <paramref name="page"/>'s last answer in the open query; the page gets that row again.</summary>
    public async Task<Outcome> UndoAsync(string page)
    {
        Submission submission;
        lock (_gate)
        {
            if (_query is not { } q) return Outcome.Conflict("Nothing to undo: the round is closed.");
            if (!q.AnsweredBy.TryGetValue(page, out var answered) || answered.Count == 0)
                return Outcome.Conflict("Nothing to undo: this page has no answer in the open round.");
            var row = q.ById[answered[^1]];
            if (row.Status != RowStatus.Answered) return Outcome.Conflict($"Row {row.Item.RowId} is already being taken back.");
            row.Status = RowStatus.Retracting;
            submission = new Submission(OracleAnswer.Retract(row.Item.RowId), page, null);
            _submissions.Writer.TryWrite(submission);
        }
        await submission.Durable.Task.ConfigureAwait(false);
        return Outcome.Saved($"Row {submission.Answer.RowId}: answer taken back.", submission.Answer.RowId);
    }

    private static long? LastAnswer(OpenQuery query, string page) =>
        query.AnsweredBy.TryGetValue(page, out var answered) && answered.Count > 0 ? answered[^1] : null;

    private string NameOf(string value) => Classes.First(c => c.Value == value).Name;

    private bool IsDone(OpenQuery query)
    {
        lock (_gate) return query.Rows.All(r => r.Status == RowStatus.Answered);
    }

    private void Settle(OpenQuery query, Submission submission)
    {
        lock (_gate)
        {
            var row = query.ById[submission.Answer.RowId];
            if (!query.AnsweredBy.TryGetValue(submission.Page, out var answered)) query.AnsweredBy[submission.Page] = answered = [];
            if (submission.Answer.Retracts)
            {
                if (row.Label is not null) _labelled--;
                answered.RemoveAt(answered.Count - 1);
                row.Status = RowStatus.Leased;
                row.Label = null;
                row.LeaseExpires = _clock.GetUtcNow() + LeaseDuration;
                // The page gets the row back at once: rows it held meanwhile go to other pages.
                foreach (var other in query.Rows.Where(r => r.Status == RowStatus.Leased && r.Page == submission.Page && r != row)) other.Status = RowStatus.Open;
                row.Page = submission.Page;
            }
            else
            {
                if (submission.Label is not null) _labelled++;
                answered.Add(row.Item.RowId);
                row.Status = RowStatus.Answered;
                row.Label = submission.Label;
            }
        }
        submission.Durable.TrySetResult();
    }

    private void Close(Submission? unsettled)
    {
        var failure = new OperationCanceledException("The run stopped before this answer was saved.");
        unsettled?.Durable.TrySetException(failure);
        lock (_gate)
        {
            _query = null;
            _trainingSince = _clock.GetUtcNow();
            while (_submissions.Reader.TryRead(out var queued)) queued.Durable.TrySetException(failure);
        }
    }

    private static void ExpireLeases(OpenQuery query, DateTimeOffset now)
    {
        foreach (var row in query.Rows.Where(r => r.Status == RowStatus.Leased && r.LeaseExpires <= now))
        {
            row.Status = RowStatus.Open;
            row.Page = null;
        }
    }

    private PageState.Counts Progress(OpenQuery? query) => new(
        query?.Round ?? _reports.Select(r => r.Round).DefaultIfEmpty(-1).Max(), _labelled, _budget,
        query?.Rows.Count(r => r.Status != RowStatus.Answered) ?? 0, query?.Rows.Count ?? 0);

    private sealed class OpenQuery
    {
        public OpenQuery(int round, IReadOnlyList<QueryItem> items)
        {
            Round = round;
            Rows = [.. items.Select(item => new Row(item))];
            ById = Rows.ToDictionary(r => r.Item.RowId);
        }

        public int Round { get; }

        public List<Row> Rows { get; }

        public Dictionary<long, Row> ById { get; }

        /// <summary>Each page's answers in this query, oldest first (undo takes back the last).</summary>
        public Dictionary<string, List<long>> AnsweredBy { get; } = [];
    }

    private sealed class Row(QueryItem item)
    {
        public QueryItem Item { get; } = item;

        public RowStatus Status { get; set; }

        public string? Page { get; set; }

        public string? Label { get; set; }

        public DateTimeOffset LeaseExpires { get; set; }
    }

    private sealed record Submission(OracleAnswer Answer, string Page, string? Label)
    {
        public TaskCompletionSource Durable { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
