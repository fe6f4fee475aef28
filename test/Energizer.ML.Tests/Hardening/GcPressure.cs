namespace Energizer.ML.Tests.Hardening;

/// <summary>
/// A background thread that forces full collections and runs pending finalizers in a loop until
/// disposed: the conditions under which a TorchSharp value that nothing owns is freed mid-call.
/// </summary>
internal sealed class GcPressure : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stop;

    public GcPressure()
    {
        _thread = new Thread(() =>
        {
            while (!_stop)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Interlocked.Increment(ref _collections);
            }
        })
        { IsBackground = true, Name = "GC pressure" };
        _thread.Start();
    }

    private int _collections;

    /// <summary>Forced collections so far.</summary>
    public int Collections => Volatile.Read(ref _collections);

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
