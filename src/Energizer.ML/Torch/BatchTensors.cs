using TorchSharp;
using static TorchSharp.torch;

namespace Energizer.ML.Torch;

/// <summary>
/// Copies the rows of reused managed buffers into fresh tensors. The copy goes to memory that
/// LibTorch allocates (aligned), not a view of the managed array: kernels sum in an order that
/// depends on the data's alignment, and a managed array's alignment changes from run to run,
/// which would make training and scoring differ in the last bits between identical runs.
/// </summary>
internal static class BatchTensors
{
    /// <summary>The first <paramref name="rows"/> rows of a row-major buffer, [rows, columns].</summary>
    public static Tensor Rows(float[] buffer, int rows, int columns, Device? device)
    {
        using var all = torch.from_array(buffer);
        using var flat = all.narrow(0, 0, (long)rows * columns);
        using var view = flat.view(rows, columns);
        return OnDevice(view, device);
    }

    /// <summary>The first <paramref name="rows"/> entries of a buffer, [rows].</summary>
    public static Tensor Rows<T>(T[] buffer, int rows, Device? device)
        where T : unmanaged
    {
        using var all = torch.from_array(buffer);
        using var view = all.narrow(0, 0, rows);
        return OnDevice(view, device);
    }

    private static Tensor OnDevice(Tensor sharedView, Device? device) =>
        device is null || device.type == DeviceType.CPU ? sharedView.clone() : sharedView.to(device, copy: true);
}
