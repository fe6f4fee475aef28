using System.Diagnostics;

namespace Energizer.ML.Tests.Foundation;

/// <summary>Runs the dotnet CLI on throwaway apps that tests create outside the repository.</summary>
internal static class DotnetCommand
{
    /// <summary>A NuGet.config with <paramref name="extraSources"/> (local folders) then nuget.org.</summary>
    public static void WriteNuGetConfig(string directory, params string[] extraSources)
    {
        string local = string.Concat(extraSources.Select((s, i) => $"    <add key=\"local{i}\" value=\"{s}\" />\n"));
        File.WriteAllText(Path.Combine(directory, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
            {local}    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
            </configuration>
            """);
    }

    /// <summary>Writes a net10.0 console app (<paramref name="projectName"/>.csproj and Program.cs) that references <paramref name="reference"/> (one item element).</summary>
    public static void WriteConsoleApp(string directory, string projectName, string reference, string program)
    {
        File.WriteAllText(Path.Combine(directory, projectName + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <NoWarn>NU1603</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                {reference}
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), program);
    }

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/>; asserts it succeeds and returns its output.</summary>
    public static string Run(string directory, params string[] arguments) => Run(directory, new Dictionary<string, string?>(), arguments);

    /// <summary>As <see cref="Run(string, string[])"/>, with <paramref name="environment"/> set (a null value removes the variable).</summary>
    public static string Run(string directory, IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // The test host's MSBuild settings must not leak into the child build.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        string all = stdout.Result + stderr.Result;
        Assert.AreEqual(0, process.ExitCode, $"dotnet {string.Join(' ', arguments)} failed in {directory}:\n{all}");
        return all;
    }
}
