using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Energizer.ML.Loop;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Energizer.ML.Labelling;

/// <summary>
/// An oracle that is a web page: it hosts a page on Kestrel and hands the loop's queries to the
/// people who open <see cref="Url"/>, one item at a time, each row to one page at a time. An
/// answer is acknowledged to the page only after the loop has checkpointed it, so with a
/// <see cref="ActiveLearningOptions.CheckpointDirectory"/> nothing answered is lost when the
/// process dies. Pass it as the loop's progress too, so the page shows each round's report
/// (the learning curve, and why the run stopped) as soon as the loop makes it.
/// </summary>
public sealed class WebOracle : IOracle, IProgress<RoundReport>, IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly LabellingSession _session;
    private readonly WebOracleOptions _options;

    private WebOracle(WebApplication app, LabellingSession session, WebOracleOptions options, Uri url, string token)
    {
        _app = app;
        _session = session;
        _options = options;
        Url = url;
        Token = token;
    }

    /// <summary>The page's address with its access token: open it in a browser.</summary>
    public Uri Url { get; }

    /// <summary>The access token every request must carry (in <see cref="Url"/> for the page; in the X-Energizer-Token header for the API).</summary>
    public string Token { get; }

    /// <summary>The header that carries <see cref="Token"/> on API requests.</summary>
    public const string TokenHeader = "X-Energizer-Token";

    /// <summary>Starts the page's server and returns once it listens; <see cref="Url"/> is the address to open.</summary>
    /// <param name="options">Port, address, classes, how to show a row.</param>
    /// <param name="cancellationToken">Stops starting.</param>
    public static async Task<WebOracle> StartAsync(WebOracleOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string token = options.Token ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var session = new LabellingSession([.. options.Classes], options.LeaseDuration, options.Clock);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(options.Address, options.Port);
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
        });
        var app = builder.Build();
        LabellingEndpoints.Map(app, session, options, token);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        int port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        return new WebOracle(app, session, options, new Uri($"http://{Host(options.Address)}:{port}/?token={token}"), token);
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<OracleAnswer> LabelAsync(OracleQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        CheckClasses(query);
        return _session.LabelAsync(query, QueryReader.Read(query, _options.Renderer, [.. _options.Classes]), cancellationToken);
    }

    /// <summary>
    /// Every class must be a label the loop keeps: otherwise a page would hear "saved" for an
    /// answer the loop then rejects. Checked with the loop's own conversion.
    /// </summary>
    private void CheckClasses(OracleQuery query)
    {
        foreach (var c in _options.Classes)
        {
            string? problem;
            try
            {
                problem = LabelValues.IsMissing(LabelValues.Normalize(c.Value, query.LabelType), query.LabelType) ? "it is a missing value" : null;
            }
            catch (FormatException e)
            {
                problem = e.Message;
            }
            if (problem is not null)
                throw new ArgumentException($"Class '{c.Value}' cannot be a label of column '{query.LabelColumnName}' ({query.LabelType}): {problem}.", nameof(WebOracleOptions.Classes));
        }
    }

    /// <summary>Shows a round's report on the page (the curve; the final report's stop reason ends the page's work).</summary>
    public void Report(RoundReport value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _session.Report(value);
    }

    /// <summary>Stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The host name for the URL: the machine's name when listening on every address.</summary>
    private static string Host(IPAddress address)
    {
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return Dns.GetHostName();
        return address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
    }
}
