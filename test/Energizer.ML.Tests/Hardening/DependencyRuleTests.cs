using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Energizer.ML.Tests.Hardening;

/// <summary>
/// The library's folders follow the data flow (docs/design.md, "Architecture and the dependency
/// rule"): Numerics serves everyone; Torch → Onnx → Inference; strategies (Acquisition) are pure
/// math; Scoring reads Inference and Acquisition; only the Loop and the catalog see everything.
/// Checked on the compiled source, so a fully qualified name or a stale using counts too.
/// </summary>
[TestClass]
public sealed class DependencyRuleTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Numerics"] = [],
        ["Native"] = [],
        ["Torch"] = ["Numerics", "Native"],
        ["Onnx"] = ["Numerics", "Torch"],
        ["Inference"] = ["Numerics", "Torch", "Onnx"],
        ["Acquisition"] = ["Numerics"],
        ["Scoring"] = ["Numerics", "Inference", "Acquisition"],
    };

    [TestMethod]
    public void EachFolderUsesOnlyTheFoldersAboveItInTheDataFlow()
    {
        string library = Path.Combine(Foundation.PackageSmokeTests.RepositoryRoot(), "src", "Energizer.ML");
        var files = Directory.EnumerateFiles(library, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".cs.txt", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .ToList();
        var parse = new CSharpParseOptions(LanguageVersion.Preview, preprocessorSymbols: ["ENERGIZER_LIBRARY"]);
        const string GlobalUsings = "global using System; global using System.IO; global using System.Linq; global using System.Collections.Generic; global using System.Threading; global using System.Threading.Tasks; global using System.Net.Http;";
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, f)).Append(CSharpSyntaxTree.ParseText(GlobalUsings, parse)).ToList();
        // The framework and every package the tests resolve, without the library built from this source.
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => !Path.GetFileName(path).StartsWith("Energizer.ML", StringComparison.Ordinal))
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create("Energizer.ML", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Take(5).ToList();
        Assert.AreEqual(0, errors.Count, "the library's source must compile here for the check to mean anything:\n" + string.Join("\n", errors));

        var violations = new SortedSet<string>();
        foreach (var tree in trees.Where(t => t.FilePath.Length > 0))
        {
            string relative = Path.GetRelativePath(library, tree.FilePath);
            string folder = relative.Split(Path.DirectorySeparatorChar)[0];
            if (!Allowed.TryGetValue(folder, out var allowed)) continue;
            var model = compilation.GetSemanticModel(tree);
            foreach (var node in tree.GetRoot().DescendantNodes())
            {
                var symbol = node switch
                {
                    UsingDirectiveSyntax { Name: { } name } => model.GetSymbolInfo(name).Symbol,
                    SimpleNameSyntax name => model.GetSymbolInfo(name).Symbol,
                    _ => null,
                };
                string? used = LibraryFolder(symbol);
                if (used is not null && used != folder && !allowed.Contains(used))
                    violations.Add($"{relative}:{node.GetLocation().GetLineSpan().StartLinePosition.Line + 1} {folder} uses {used} ({node})");
            }
        }
        Assert.AreEqual(0, violations.Count, string.Join("\n", violations));
    }

    /// <summary>The library folder (namespace under Energizer.ML) a symbol belongs to, if any.</summary>
    private static string? LibraryFolder(ISymbol? symbol)
    {
        var ns = symbol as INamespaceSymbol ?? symbol?.ContainingNamespace;
        string name = ns?.ToDisplayString() ?? "";
        if (!name.StartsWith("Energizer.ML.", StringComparison.Ordinal)) return null;
        return name["Energizer.ML.".Length..].Split('.')[0];
    }
}
