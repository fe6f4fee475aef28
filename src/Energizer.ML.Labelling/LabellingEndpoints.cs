using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Energizer.ML.Labelling;

/// <summary>
/// The page and its JSON API. Every request carries the token (the page in its URL, API calls in
/// the <see cref="WebOracle.TokenHeader"/> header): a wrong one gets 401 and nothing else. Answers
/// are POSTs (no label through a GET; the custom header also rules out cross-site forms).
/// </summary>
internal static partial class LabellingEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void Map(WebApplication app, LabellingSession session, WebOracleOptions options, string token)
    {
        byte[] expected = Encoding.UTF8.GetBytes(token);
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.CacheControl = "no-store";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            string? given = context.Request.Path == "/" ? context.Request.Query["token"] : context.Request.Headers[WebOracle.TokenHeader];
            if (given is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), expected))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            await next(context).ConfigureAwait(false);
        });

        string page = PageHtml(options, session);
        app.MapGet("/", (HttpContext context) =>
        {
            // A fresh nonce per response: the page's own script is the only one allowed to run.
            string nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
            context.Response.Headers.ContentSecurityPolicy =
                $"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
            return Results.Content(page.Replace("{{NONCE}}", nonce, StringComparison.Ordinal), "text/html; charset=utf-8");
        });
        app.MapGet("/api/state", (string? page) => PageId(page) is { } error ? error : Results.Json(StateJson(session.StateFor(page!)), Json));
        app.MapGet("/api/query", () => session.Query() is { } query ? Results.Json(query, Json) : Results.Json(new { round = (int?)null, remaining = Array.Empty<long>(), answered = Array.Empty<long>() }, Json));
        app.MapPost("/api/answer", async (HttpContext context) =>
        {
            var (request, error) = await Read<AnswerRequest>(context).ConfigureAwait(false);
            if (error is not null) return error;
            if (PageId(request!.Page) is { } badPage) return badPage;
            if (request.RowId is not { } rowId) return Message(400, "rowId is missing: send the id of the row you answer.");
            if (request.Skip == (request.Label is not null))
                return Message(400, request.Skip ? "Send either a label or skip, not both." : "label is missing: send one of the classes, or skip: true.");
            return Reply(await session.AnswerAsync(request.Page!, rowId, request.Label).ConfigureAwait(false));
        });
        app.MapPost("/api/undo", async (HttpContext context) =>
        {
            var (request, error) = await Read<UndoRequest>(context).ConfigureAwait(false);
            if (error is not null) return error;
            if (PageId(request!.Page) is { } badPage) return badPage;
            return Reply(await session.UndoAsync(request.Page!).ConfigureAwait(false));
        });
    }

    private static IResult Reply(Outcome outcome) => Results.Json(new { message = outcome.Message, rowId = outcome.RowId }, Json, statusCode: outcome.Status);

    private static IResult Message(int status, string message) => Results.Json(new { message }, Json, statusCode: status);

    private static IResult? PageId(string? page) =>
        page is not null && PageIdPattern().IsMatch(page) ? null : Message(400, "page must be the page's id: 1 to 64 letters, digits, '-' or '_'.");

    private static async Task<(T? Request, IResult? Error)> Read<T>(HttpContext context)
        where T : class
    {
        if (!context.Request.HasJsonContentType()) return (null, Message(415, "Send the body as JSON (Content-Type: application/json)."));
        try
        {
            var request = await context.Request.ReadFromJsonAsync<T>(Json, context.RequestAborted).ConfigureAwait(false);
            return request is null ? (null, Message(400, "The body is empty.")) : (request, null);
        }
        catch (JsonException e)
        {
            return (null, Message(400, $"The body is not valid JSON for this request: {e.Message}"));
        }
    }

    private static object StateJson(PageState state) => new
    {
        kind = state.Kind,
        message = state.Message,
        item = state.Item is { } item ? new
        {
            rowId = item.RowId,
            html = item.Html,
            fields = item.Fields,
            guess = item.Guess,
        } : null,
        undoRowId = state.UndoRowId,
        trainingSeconds = state.TrainingSeconds,
        progress = state.Progress,
        curveSvg = CurveSvg.Draw(state.Reports),
    };

    private static string PageHtml(WebOracleOptions options, LabellingSession session)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Energizer.ML.Labelling.LabellingPage.html")
            ?? throw new InvalidOperationException("The labelling page is missing from the assembly's resources.");
        using var reader = new StreamReader(stream);
        var keys = Shortcuts.For(session.Classes);
        string config = JsonSerializer.Serialize(new
        {
            classes = session.Classes.Select((c, i) => new { value = c.Value, name = c.Name, keys = keys[i] }),
            heartbeatMilliseconds = (int)(session.LeaseDuration.TotalMilliseconds / 3),
            tokenHeader = WebOracle.TokenHeader,
        }, Json);
        // JsonSerializer escapes '<' and '&', so the config cannot close its script element.
        return reader.ReadToEnd()
            .Replace("{{TITLE}}", HtmlEncoder.Default.Encode(options.Title), StringComparison.Ordinal)
            .Replace("{{CONFIG}}", config, StringComparison.Ordinal);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex PageIdPattern();

    private sealed record AnswerRequest(string? Page, long? RowId, string? Label, bool Skip);

    private sealed record UndoRequest(string? Page);
}
