using System.Net;

namespace Energizer.ML.Labelling;

/// <summary>Settings of a <see cref="WebOracle"/>.</summary>
public sealed class WebOracleOptions
{
    /// <summary>The TCP port; 0 (the default) picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>
    /// The address to listen on: loopback by default, so only this machine can open the page.
    /// <see cref="IPAddress.Any"/> shares it on the network (the token still guards every request).
    /// </summary>
    public IPAddress Address { get; set; } = IPAddress.Loopback;

    /// <summary>The answers a person can give, in button order (at least one).</summary>
    public IList<LabelClass> Classes { get; } = [];

    /// <summary>How the item is shown; null lists every column as text.</summary>
    public RowRenderer? Renderer { get; set; }

    /// <summary>The page's title.</summary>
    public string Title { get; set; } = "Energizer.ML labelling";

    /// <summary>
    /// How long a row stays reserved for the page showing it without news from that page (the
    /// page renews it every third of this). A page that goes away frees its row after this time.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The largest request body accepted, in bytes; larger requests get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024;

    /// <summary>The access token the URL carries; null (the default) draws a random one.</summary>
    public string? Token { get; set; }

    /// <summary>The clock for leases (tests move it).</summary>
    internal TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Throws when a setting cannot work, naming it.</summary>
    internal void Validate()
    {
        if (Port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(Port), Port, "Port must be 0 (a free port) to 65535.");
        ArgumentNullException.ThrowIfNull(Address, nameof(Address));
        if (Classes.Count == 0) throw new ArgumentException("Classes must list at least one answer.", nameof(Classes));
        foreach (var duplicate in Classes.GroupBy(c => c.Value).Where(g => g.Count() > 1))
            throw new ArgumentException($"Classes lists the value '{duplicate.Key}' {duplicate.Count()} times.", nameof(Classes));
        if (Classes.Any(c => string.IsNullOrWhiteSpace(c.Value)))
            throw new ArgumentException("Classes holds an empty value (an empty answer means skip).", nameof(Classes));
        if (LeaseDuration < TimeSpan.FromSeconds(3))
            throw new ArgumentOutOfRangeException(nameof(LeaseDuration), LeaseDuration, "LeaseDuration must be at least 3 seconds (pages renew it every third).");
        if (MaxRequestBodyBytes < 1024) throw new ArgumentOutOfRangeException(nameof(MaxRequestBodyBytes), MaxRequestBodyBytes, "MaxRequestBodyBytes must be at least 1024.");
        if (Token is { Length: < 16 }) throw new ArgumentException("Token must be at least 16 characters long.", nameof(Token));
    }
}
