using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Torch.Optimizers;

/// <summary>
/// An optimiser whose every LibTorch scalar is created explicitly and owned for as long as native
/// code may read it. TorchSharp 0.107's own optimisers pass implicitly converted scalars
/// (<c>alpha: 1 - beta1</c>, ...) by handle and keep no reference, so a garbage collection during
/// <c>step</c> could free one mid-call ("Expected false to be true" from <c>c10::Scalar::toFloat</c>);
/// see docs/design.md, "Owned scalars". The update rules are TorchSharp's, term for term.
/// </summary>
internal abstract class OwnedOptimizer : IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private bool _disposed;

    protected OwnedOptimizer(IEnumerable<Parameter> parameters)
    {
        Parameters = [.. parameters];
        One = Own(1);
    }

    /// <summary>1, for the scale argument of <c>add_</c>: the overload without it makes an unowned one.</summary>
    protected Scalar One { get; }

    /// <summary>The parameters this optimiser updates, in the network's order.</summary>
    protected IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Creates the optimiser <paramref name="options"/> ask for over <paramref name="parameters"/>.</summary>
    public static OwnedOptimizer Create(IEnumerable<Parameter> parameters, TorchClassifierOptions options) => options.Optimizer switch
    {
        TorchOptimizer.Adam => new OwnedAdam(parameters, options.LearningRate, options.AdamBeta1, options.AdamBeta2, AdamEpsilon, options.WeightDecay, decoupledWeightDecay: false),
        TorchOptimizer.AdamW => new OwnedAdam(parameters, options.LearningRate, options.AdamBeta1, options.AdamBeta2, AdamEpsilon, options.WeightDecay, decoupledWeightDecay: true),
        _ => new OwnedSgd(parameters, options.LearningRate, options.Momentum, options.WeightDecay),
    };

    /// <summary>Adam's ε, PyTorch's and TorchSharp's default.</summary>
    internal const double AdamEpsilon = 1e-8;

    /// <summary>Sets every parameter's gradient to zero (as <c>optimizer.zero_grad()</c>).</summary>
    public void ZeroGrad()
    {
        foreach (var parameter in Parameters)
        {
            using var grad = parameter.grad;
            grad?.zero_();
        }
    }

    /// <summary>Whether <see cref="Step"/> takes a <see cref="ColumnGradient"/> (updates the columns it names lazily).</summary>
    public virtual bool UpdatesColumns => false;

    /// <summary>
    /// One update from the current gradients; parameters without a gradient are left alone, but
    /// for <paramref name="columns"/>, whose parameter is updated on the columns it names only.
    /// </summary>
    public void Step(ColumnGradient? columns = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (columns is not null && !UpdatesColumns) throw new NotSupportedException($"{GetType().Name} has no column-wise (lazy) update.");
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        BeginStep();
        for (int i = 0; i < Parameters.Count; i++)
        {
            var grad = Parameters[i].grad;
            if (grad is null) continue;
            Update(i, Parameters[i], grad);
        }
        if (columns is { } sparse) UpdateColumns(IndexOf(sparse.Parameter), sparse);
    }

    private int IndexOf(Parameter parameter)
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            if (ReferenceEquals(Parameters[i], parameter)) return i;
        }
        throw new ArgumentException("The column gradient's parameter is not one this optimiser updates.", nameof(parameter));
    }

    /// <summary>Updates the columns <paramref name="columns"/> names of parameter <paramref name="index"/>; runs under no_grad inside a dispose scope.</summary>
    protected virtual void UpdateColumns(int index, ColumnGradient columns) => throw new NotSupportedException();

    /// <summary>Called once per step before the parameters are updated (per-step scalars).</summary>
    protected virtual void BeginStep()
    {
    }

    /// <summary>Updates parameter <paramref name="index"/> from <paramref name="grad"/>; runs under no_grad inside a dispose scope.</summary>
    protected abstract void Update(int index, Parameter parameter, Tensor grad);

    /// <summary>A scalar kept alive, and freed, with the optimiser.</summary>
    protected Scalar Own(double value)
    {
        var scalar = value.ToScalar();
        _owned.Add(scalar);
        return scalar;
    }

    /// <summary>A tensor kept outside every dispose scope, freed with the optimiser.</summary>
    protected Tensor Own(Tensor tensor)
    {
        tensor.DetachFromDisposeScope();
        _owned.Add(tensor);
        return tensor;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Dispose(true);
    }

    /// <summary>Frees what the optimiser owns; overrides free their own values, then call this.</summary>
    protected virtual void Dispose(bool disposing)
    {
        foreach (var owned in _owned) owned.Dispose();
        _owned.Clear();
    }
}
