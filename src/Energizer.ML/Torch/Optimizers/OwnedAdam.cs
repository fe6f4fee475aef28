using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Torch.Optimizers;

/// <summary>
/// Adam (Kingma and Ba, 2015), with L2 weight decay added to the gradient, or AdamW's decoupled
/// decay (Loshchilov and Hutter, 2019). Per parameter and step t:
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε);
/// AdamW first scales θ by (1 − lr·λ) instead of adding λθ to g. A <see cref="ColumnGradient"/>
/// is applied lazily (only its columns move; see <see cref="SparseUpdate.Lazy"/>).
/// </summary>
internal sealed class OwnedAdam : OwnedOptimizer
{
    private readonly double _learningRate;
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly bool _decoupled;
    private readonly double _weightDecay;
    private readonly Scalar _beta1Scalar;
    private readonly Scalar _oneMinusBeta1;
    private readonly Scalar _beta2Scalar;
    private readonly Scalar _oneMinusBeta2;
    private readonly Scalar _epsilon;
    private readonly Scalar _weightDecayScalar;
    private readonly Scalar _decayFactor;
    private readonly Tensor?[] _firstMoments;
    private readonly Tensor?[] _secondMoments;
    private readonly Scalar?[] _stepScalars = new Scalar?[2];
    private readonly Tensor?[] _columnFirstMoments;
    private readonly Tensor?[] _columnSecondMoments;
    private readonly long[]?[] _lastTouched;
    private long _step;

    public OwnedAdam(IEnumerable<Parameter> parameters, double learningRate, double beta1, double beta2, double epsilon, double weightDecay, bool decoupledWeightDecay)
        : base(parameters)
    {
        _learningRate = learningRate;
        _beta1 = beta1;
        _beta2 = beta2;
        _decoupled = decoupledWeightDecay;
        _weightDecay = weightDecay;
        _beta1Scalar = Own(beta1);
        _oneMinusBeta1 = Own(1 - beta1);
        _beta2Scalar = Own(beta2);
        _oneMinusBeta2 = Own(1 - beta2);
        _epsilon = Own(epsilon);
        _weightDecayScalar = Own(weightDecay);
        _decayFactor = Own(1 - learningRate * weightDecay);
        _firstMoments = new Tensor?[Parameters.Count];
        _secondMoments = new Tensor?[Parameters.Count];
        _columnFirstMoments = new Tensor?[Parameters.Count];
        _columnSecondMoments = new Tensor?[Parameters.Count];
        _lastTouched = new long[]?[Parameters.Count];
    }

    /// <summary>Steps taken so far (t of the bias corrections).</summary>
    public long StepCount => _step;

    protected override void BeginStep()
    {
        _step++;
        double biasCorrection1 = 1 - Math.Pow(_beta1, _step);
        double biasCorrection2 = 1 - Math.Pow(_beta2, _step);
        foreach (var old in _stepScalars) old?.Dispose();
        // These two change every step; they live until the next step or the optimiser's disposal.
        _stepScalars[0] = (-(_learningRate / biasCorrection1)).ToScalar();
        _stepScalars[1] = Math.Sqrt(biasCorrection2).ToScalar();
    }

    protected override void Update(int index, Parameter parameter, Tensor grad)
    {
        if (_columnFirstMoments[index] is not null) throw new InvalidOperationException($"Parameter {index} is updated by columns; it cannot also take a whole gradient.");
        if (_decoupled) parameter.mul_(_decayFactor);
        else if (_weightDecay != 0) grad = grad.add(parameter, alpha: _weightDecayScalar);
        var m = _firstMoments[index] ??= Own(torch.zeros_like(parameter));
        var v = _secondMoments[index] ??= Own(torch.zeros_like(parameter));
        Move(parameter, m, v, grad);
    }

    public override bool UpdatesColumns => true;

    /// <summary>
    /// Lazy Adam on the named columns: their moments are gathered (kept column-major, [in, out],
    /// so a column is a contiguous row), updated with the columns' weights as <see cref="Update"/>
    /// updates a whole parameter, and written back; the other columns keep theirs. AdamW's decay
    /// of a column is caught up, (1 − lr·λ)^(steps since it was last touched), so a column touched
    /// every step decays as under dense AdamW; Adam's L2 term is added to the touched columns'
    /// gradient.
    /// </summary>
    protected override void UpdateColumns(int index, ColumnGradient columns)
    {
        var parameter = Parameters[index];
        if (_firstMoments[index] is not null) throw new InvalidOperationException($"Parameter {index} is updated by whole gradients; it cannot also take a column gradient.");
        var m = _columnFirstMoments[index] ??= Own(torch.zeros(parameter.shape[1], parameter.shape[0], dtype: parameter.dtype, device: parameter.device));
        var v = _columnSecondMoments[index] ??= Own(torch.zeros_like(m));
        var theta = columns.Values;
        var firstMoment = m.index_select(0, columns.Columns);
        var secondMoment = v.index_select(0, columns.Columns);
        var grad = columns.Gradient;
        if (_decoupled && _weightDecay != 0) theta.mul_(CaughtUpDecay(index, columns).unsqueeze(1));
        else if (_weightDecay != 0) grad = grad.add(theta, alpha: _weightDecayScalar);
        Move(theta, firstMoment, secondMoment, grad);
        parameter.index_copy_(1, columns.Columns, theta.t());
        m.index_copy_(0, columns.Columns, firstMoment);
        v.index_copy_(0, columns.Columns, secondMoment);
    }

    /// <summary>Each column's (1 − lr·λ)^(steps since it was last touched), [k]; marks the columns touched now.</summary>
    private Tensor CaughtUpDecay(int index, ColumnGradient columns)
    {
        var lastTouched = _lastTouched[index] ??= new long[columns.Parameter.shape[1]];
        var factors = new float[columns.Count];
        for (int j = 0; j < columns.Count; j++)
        {
            long column = columns.ColumnIds[j];
            factors[j] = (float)Math.Pow(1 - (_learningRate * _weightDecay), _step - lastTouched[column]);
            lastTouched[column] = _step;
        }
        return BatchTensors.Rows(factors, columns.Count, columns.Parameter.device);
    }

    /// <summary>Adam's moment updates and step, in place on <paramref name="theta"/>, <paramref name="m"/> and <paramref name="v"/>.</summary>
    private void Move(Tensor theta, Tensor m, Tensor v, Tensor grad)
    {
        m.mul_(_beta1Scalar).add_(grad, alpha: _oneMinusBeta1);
        v.mul_(_beta2Scalar).addcmul_(grad, grad, value: _oneMinusBeta2);
        var denominator = v.sqrt().div_(_stepScalars[1]!).add_(_epsilon, alpha: One);
        theta.addcdiv_(m, denominator, value: _stepScalars[0]!);
    }

    protected override void Dispose(bool disposing)
    {
        foreach (var scalar in _stepScalars) scalar?.Dispose();
        base.Dispose(disposing);
    }
}
