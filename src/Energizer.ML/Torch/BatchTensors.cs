using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Torch;

/// <summary>Views reused managed buffers as tensors without copying them on the CPU.</summary>
internal static class BatchTensors
{
    /// <summary>The first <paramref name="rows"/> rows of a row-major buffer, [rows, columns].</summary>
    public static Tensor Rows(float[] buffer, int rows, int columns, Device? device)
    {
        // from_array pins the array and shares it; the views below keep sharing it.
        using var all = torch.from_array(buffer);
        using var flat = all.narrow(0, 0, (long)rows * columns);
        return OnDevice(flat.view(rows, columns), device);
    }

    /// <summary>The first <paramref name="rows"/> entries of a buffer, [rows].</summary>
    public static Tensor Rows(long[] buffer, int rows, Device? device)
    {
        using var all = torch.from_array(buffer);
        return OnDevice(all.narrow(0, 0, rows), device);
    }

    private static Tensor OnDevice(Tensor tensor, Device? device) =>
        device is null || device.type == DeviceType.CPU ? tensor : tensor.to(device, disposeAfter: true);
}
