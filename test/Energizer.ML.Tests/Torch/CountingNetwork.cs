using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Tests.Torch;

/// <summary>Wraps a network and counts its forward passes, to observe when scoring happens.</summary>
internal sealed class CountingNetwork : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> inner;

    public CountingNetwork(nn.Module<Tensor, Tensor> inner, StrongBox<int> forwards) : base(nameof(CountingNetwork))
    {
        this.inner = inner;
        Forwards = forwards;
        RegisterComponents();
    }

    public StrongBox<int> Forwards { get; }

    public override Tensor forward(Tensor input)
    {
        Forwards.Value++;
        return inner.forward(input);
    }
}
