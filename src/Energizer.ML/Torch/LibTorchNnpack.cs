using System.Runtime.InteropServices;

namespace Energizer.ML.Torch;

/// <summary>
/// LibTorch's NNPACK switch (<c>at::globalContext().setUserEnabledNNPACK</c>). On CPUs NNPACK does
/// not support, LibTorch's first small-batch convolution in eval mode prints "Could not initialize
/// NNPACK! Reason: Unsupported hardware" to the process's stderr, a line that is not the user's
/// problem. The library turns NNPACK off when TorchSharp loads: LibTorch then never probes it, and
/// such convolutions use its other CPU kernels (batches of 16 or more, and training, never use
/// NNPACK anyway). TorchSharp does not expose the switch, so it is called by its C++ symbol in
/// libtorch_cpu; where that symbol is missing (another LibTorch build) nothing changes.
/// </summary>
internal static class LibTorchNnpack
{
    private const string GlobalContextSymbol = "_ZN2at13globalContextEv";
    private const string SetEnabledSymbol = "_ZN2at7Context20setUserEnabledNNPACKEb";
    private const string EnabledSymbol = "_ZNK2at7Context17userEnabledNNPACKEv";

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GlobalContext();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetEnabled(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    private delegate bool Enabled(IntPtr context);

    /// <summary>Turns NNPACK off; false when libtorch_cpu or its symbols cannot be found.</summary>
    public static bool Disable()
    {
        if (Context() is not { } found || !NativeLibrary.TryGetExport(found.Library, SetEnabledSymbol, out var set)) return false;
        Marshal.GetDelegateForFunctionPointer<SetEnabled>(set)(found.Context, false);
        return true;
    }

    /// <summary>LibTorch's NNPACK switch; null when it cannot be read.</summary>
    public static bool? IsEnabled() =>
        Context() is { } found && NativeLibrary.TryGetExport(found.Library, EnabledSymbol, out var get)
            ? Marshal.GetDelegateForFunctionPointer<Enabled>(get)(found.Context)
            : null;

    /// <summary>The loaded libtorch_cpu (TorchSharp loaded it; loading by name returns that copy) and its global context.</summary>
    private static (IntPtr Library, IntPtr Context)? Context()
    {
        string name = OperatingSystem.IsWindows() ? "torch_cpu.dll" : OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
        if (!NativeLibrary.TryLoad(name, typeof(LibTorchNnpack).Assembly, null, out var library)
            || !NativeLibrary.TryGetExport(library, GlobalContextSymbol, out var global))
            return null;
        return (library, Marshal.GetDelegateForFunctionPointer<GlobalContext>(global)());
    }
}
