using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Energizer.ML.Analyzers;

/// <summary>
/// EML0001: a TorchSharp <c>Scalar</c> or <c>Tensor</c> made on the fly from a .NET value (an
/// implicit or explicit conversion, or <c>ToScalar()</c>) and handed straight to a call or an
/// operator; a .NET number given to a TorchSharp operator (<c>t * 0.5</c> converts it inside
/// TorchSharp); or a TorchSharp overload that makes its own scale of 1 as a Scalar (<c>add_(t)</c>,
/// <c>addcdiv_(a, b)</c>, <c>a + b</c>). Nothing holds that temporary: TorchSharp passes its native handle on and keeps no
/// reference, so the garbage collector may finalize it, freeing the native value, while LibTorch is
/// still reading it (the crash inside Adam's step; docs/design.md, "Owned scalars"). Store the
/// value in a local that lives across the call (<c>using var half = 0.5.ToScalar();</c>) instead.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnownedTorchValueAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The rule's id.</summary>
    public const string DiagnosticId = "EML0001";

    private static readonly DiagnosticDescriptor Rule = new(
        DiagnosticId,
        "TorchSharp value with no owner passed to native code",
        "'{0}' hands native code a TorchSharp {1} that nothing owns{2}, and the garbage collector may free it while native code reads it: create it in a local that outlives the call and pass the local",
        "Reliability",
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "TorchSharp 0.107 passes a Scalar's or Tensor's handle to LibTorch without keeping the managed object alive; a temporary can be finalized mid-call (docs/design.md, Owned scalars).");

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var scalar = start.Compilation.GetTypeByMetadataName("TorchSharp.Scalar");
            var tensor = start.Compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
            if (scalar is null && tensor is null) return;
            start.RegisterOperationAction(c => AnalyzeConversion(c, scalar, tensor), OperationKind.Conversion);
            start.RegisterOperationAction(c => AnalyzeInvocation(c, scalar), OperationKind.Invocation);
            start.RegisterOperationAction(c => AnalyzeOperator(c, tensor), OperationKind.Binary, OperationKind.CompoundAssignment);
        });
    }

    private static void AnalyzeConversion(OperationAnalysisContext context, INamedTypeSymbol? scalar, INamedTypeSymbol? tensor)
    {
        var conversion = (IConversionOperation)context.Operation;
        if (conversion.OperatorMethod is null) return;
        var target = conversion.Type;
        string? kind = SymbolEqualityComparer.Default.Equals(target, scalar) ? "Scalar"
            : SymbolEqualityComparer.Default.Equals(target, tensor) ? "Tensor"
            : null;
        if (kind is null || IsTorchType(conversion.Operand.Type, scalar, tensor) || IsOwned(conversion)) return;
        context.ReportDiagnostic(Diagnostic.Create(Rule, conversion.Syntax.GetLocation(), conversion.Operand.Syntax.ToString(), kind, ""));
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, INamedTypeSymbol? scalar)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (method.Name == "ToScalar" && SymbolEqualityComparer.Default.Equals(invocation.Type, scalar) && !IsOwned(invocation))
            context.ReportDiagnostic(Diagnostic.Create(Rule, invocation.Syntax.GetLocation(), invocation.Syntax.ToString(), "Scalar", ""));
        else if (MakesItsOwnUnitScale(method))
            context.ReportDiagnostic(Diagnostic.Create(Rule, invocation.Syntax.GetLocation(), invocation.Syntax.ToString(), "Scalar", UnitScale));
    }

    private const string UnitScale = " (the scale of 1 this overload makes inside TorchSharp; call the overload that takes the scale)";

    /// <summary>
    /// TorchSharp 0.107 overloads without a scale argument that call their scaled twin with a
    /// literal 1 converted to a Scalar: Tensor.add(x), add_(x), addcdiv(a, b), addcdiv_(a, b) and
    /// torch.add(t, x), torch.add_(t, x).
    /// </summary>
    private static bool MakesItsOwnUnitScale(IMethodSymbol method)
    {
        string? type = method.ContainingType?.ToDisplayString();
        int arguments = method.Parameters.Length - (method.IsStatic ? 1 : 0);
        if (type != "TorchSharp.torch.Tensor" && type != "TorchSharp.torch") return false;
        return method.Name switch
        {
            "add" or "add_" => arguments == 1,
            "addcdiv" or "addcdiv_" => arguments == 2,
            _ => false,
        };
    }

    /// <summary>
    /// TorchSharp's operators that take a .NET number (<c>t * 0.5</c>, <c>t /= n</c>) convert it to a
    /// Scalar inside TorchSharp, where nothing keeps it alive either.
    /// </summary>
    private static void AnalyzeOperator(OperationAnalysisContext context, INamedTypeSymbol? tensor)
    {
        var (method, left, right) = context.Operation switch
        {
            IBinaryOperation binary => (binary.OperatorMethod, binary.LeftOperand, binary.RightOperand),
            ICompoundAssignmentOperation compound => (compound.OperatorMethod, compound.Target, compound.Value),
            _ => (null, null!, null!),
        };
        if (method is null || !SymbolEqualityComparer.Default.Equals(method.ContainingType, tensor)) return;
        if (method.Name == "op_Addition")
        {
            // Every + overload ends in Tensor.add(x), which makes its own alpha of 1.
            context.ReportDiagnostic(Diagnostic.Create(Rule, context.Operation.Syntax.GetLocation(), context.Operation.Syntax.ToString(), "Scalar", UnitScale));
            return;
        }
        for (int i = 0; i < method.Parameters.Length && i < 2; i++)
        {
            if (!IsNumber(method.Parameters[i].Type)) continue;
            var operand = i == 0 ? left : right;
            context.ReportDiagnostic(Diagnostic.Create(Rule, operand.Syntax.GetLocation(), operand.Syntax.ToString(), "Scalar", ""));
        }
    }

    private static bool IsNumber(ITypeSymbol type) => type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64
        or SpecialType.System_Single or SpecialType.System_Double or SpecialType.System_Boolean or SpecialType.System_Byte
        or SpecialType.System_SByte or SpecialType.System_Int16;

    private static bool IsTorchType(ITypeSymbol? type, INamedTypeSymbol? scalar, INamedTypeSymbol? tensor) =>
        type is not null && (SymbolEqualityComparer.Default.Equals(type, scalar) || SymbolEqualityComparer.Default.Equals(type, tensor));

    /// <summary>True where the new value is stored (a local, field or property) or handed to the caller, who then owns it.</summary>
    private static bool IsOwned(IOperation value)
    {
        var parent = value.Parent;
        while (parent is IParenthesizedOperation || parent is IConversionOperation { OperatorMethod: null })
        {
            value = parent;
            parent = parent.Parent;
        }
        return parent switch
        {
            IVariableInitializerOperation or IFieldInitializerOperation or IPropertyInitializerOperation or IReturnOperation => true,
            ISimpleAssignmentOperation assignment => assignment.Value == value,
            _ => false,
        };
    }
}
