using System.Collections.Immutable;
using Energizer.ML.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Energizer.ML.Tests.Hardening;

/// <summary>
/// EML0001 catches a TorchSharp scalar or tensor made on the fly and handed to native code. The
/// library and samples build with it as an error, so these tests pin down what it finds.
/// </summary>
[TestClass]
public sealed class UnownedTorchValueAnalyzerTests
{
    private static ImmutableArray<Diagnostic> Analyze(string body)
    {
        string source = $$"""
            using TorchSharp;
            using static TorchSharp.torch;
            static class Probe
            {
                static Tensor Run(Tensor t, Tensor g, double beta, float scale)
                {
                    {{body}}
                }
            }
            """;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(TorchSharp.torch).Assembly.Location)
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create("Probe", [CSharpSyntaxTree.ParseText(source)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.AreEqual(0, errors.Count, string.Join("\n", errors));
        return compilation.WithAnalyzers([new UnownedTorchValueAnalyzer()]).GetAnalyzerDiagnosticsAsync().Result;
    }

    [TestMethod]
    [DataRow("return t.mul(2.0);", "2.0")]
    [DataRow("return t * scale;", "scale")]
    [DataRow("return t.add_(g, alpha: 1 - beta);", "1 - beta")]
    [DataRow("return t.addcmul_(g, g, value: (Scalar)beta);", "beta")]
    [DataRow("return t.div_(beta.ToScalar());", "beta.ToScalar()")]
    [DataRow("t /= 2; return t;", "2")]
    [DataRow("return 0.5 * t;", "0.5")]
    [DataRow("return t.add_(g);", "t.add_(g)")]
    [DataRow("return t.addcdiv_(g, g);", "t.addcdiv_(g, g)")]
    [DataRow("return t + g;", "t + g")]
    [DataRow("return torch.add(t, g);", "torch.add(t, g)")]
    public void FlagsAValueWithNoOwner(string body, string culprit)
    {
        var found = Analyze(body);
        Assert.AreEqual(1, found.Length, string.Join("\n", found));
        Assert.AreEqual(UnownedTorchValueAnalyzer.DiagnosticId, found[0].Id);
        StringAssert.Contains(found[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture), $"'{culprit}' hands native code a TorchSharp Scalar that nothing owns");
    }

    [TestMethod]
    [DataRow("using var two = 2.0.ToScalar(); return t.mul(two);")]
    [DataRow("Scalar s = beta; using (s) { return t.add_(g, alpha: s); }")]
    [DataRow("return t.addmm(g, g, beta: 1, alpha: scale);")]
    [DataRow("return nn.functional.dropout(t, beta, training: true);")]
    [DataRow("using var one = 1.ToScalar(); return t.add_(g, alpha: one).sub(g).mul(g);")]
    public void AcceptsOwnedValuesAndPlainNumbers(string body)
    {
        var found = Analyze(body);
        Assert.AreEqual(0, found.Length, string.Join("\n", found));
    }
}
