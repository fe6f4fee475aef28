using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Torch.Optimizers;

/// <summary>
/// Adam (Kingma and Ba, 2015), with L2 weight decay added to the gradient, or AdamW's decoupled
/// decay (Loshchilov and Hutter, 2019). Per parameter and step t:
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε);
/// AdamW first scales θ by (1 − lr·λ) instead of adding λθ to g.
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
        var negativeStepSize = _stepScalars[0]!;
        var sqrtBiasCorrection2 = _stepScalars[1]!;
        if (_decoupled) parameter.mul_(_decayFactor);
        else if (_weightDecay != 0) grad = grad.add(parameter, alpha: _weightDecayScalar);
        var m = _firstMoments[index] ??= Own(torch.zeros_like(parameter));
        var v = _secondMoments[index] ??= Own(torch.zeros_like(parameter));
        m.mul_(_beta1Scalar).add_(grad, alpha: _oneMinusBeta1);
        v.mul_(_beta2Scalar).addcmul_(grad, grad, value: _oneMinusBeta2);
        var denominator = v.sqrt().div_(sqrtBiasCorrection2).add_(_epsilon, alpha: One);
        parameter.addcdiv_(m, denominator, value: negativeStepSize);
    }

    protected override void Dispose(bool disposing)
    {
        foreach (var scalar in _stepScalars) scalar?.Dispose();
        base.Dispose(disposing);
    }
}
