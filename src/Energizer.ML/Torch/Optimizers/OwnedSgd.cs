using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Energizer.ML.Torch.Optimizers;

/// <summary>
/// Stochastic gradient descent with momentum μ and L2 weight decay λ (no dampening, no Nesterov):
/// g ← g + λθ; b ← g at the first step, else μb + g; θ ← θ − lr·b (plain g when μ = 0).
/// </summary>
internal sealed class OwnedSgd : OwnedOptimizer
{
    private readonly bool _hasMomentum;
    private readonly bool _hasWeightDecay;
    private readonly Scalar _negativeLearningRate;
    private readonly Scalar _momentum;
    private readonly Scalar _weightDecay;
    private readonly Tensor?[] _buffers;

    public OwnedSgd(IEnumerable<Parameter> parameters, double learningRate, double momentum, double weightDecay)
        : base(parameters)
    {
        _hasMomentum = momentum != 0;
        _hasWeightDecay = weightDecay != 0;
        _negativeLearningRate = Own(-learningRate);
        _momentum = Own(momentum);
        _weightDecay = Own(weightDecay);
        _buffers = new Tensor?[Parameters.Count];
    }

    protected override void Update(int index, Parameter parameter, Tensor grad)
    {
        if (_hasWeightDecay) grad = grad.add(parameter, alpha: _weightDecay);
        if (_hasMomentum)
        {
            if (_buffers[index] is { } buffer) buffer.mul_(_momentum).add_(grad, alpha: One);
            else _buffers[index] = Own(grad.detach().clone());
            grad = _buffers[index]!;
        }
        parameter.add_(grad, alpha: _negativeLearningRate);
    }
}
