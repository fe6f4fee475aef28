using Energizer.ML.Labelling;
using Energizer.ML.Loop;
using Microsoft.ML;

namespace Energizer.ML.Tests.Labelling;

/// <summary>A web oracle and the loop it serves, running in the background until the test disposes it.</summary>
internal sealed class LabellingRun : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;

    private LabellingRun(WebOracle oracle, RecordingOracle recorder, Task<ActiveLearningResult> result, CancellationTokenSource stop)
    {
        _stop = stop;
        Oracle = oracle;
        Recorder = recorder;
        Result = result;
    }

    public WebOracle Oracle { get; }

    /// <summary>The queries the loop asked and the reports it made.</summary>
    public RecordingOracle Recorder { get; }

    public Task<ActiveLearningResult> Result { get; }

    public static async Task<LabellingRun> StartAsync(IDataView pool, IEstimator<ITransformer> learner, ActiveLearningOptions options, WebOracleOptions web, IDataView? evaluation = null)
    {
        var oracle = await WebOracle.StartAsync(web);
        var recorder = new RecordingOracle(oracle);
        var stop = new CancellationTokenSource();
        var ml = new MLContext(1);
        var result = Task.Run(() => ml.ActiveLearning().Trainer(options).FitAsync(learner, pool, recorder, evaluation, recorder, stop.Token));
        return new LabellingRun(oracle, recorder, result, stop);
    }

    /// <summary>The loop's result, within a minute.</summary>
    public async Task<ActiveLearningResult> FinishedAsync() => await Result.WaitAsync(TimeSpan.FromMinutes(1));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Result.WaitAsync(TimeSpan.FromMinutes(1));
        }
        catch (Exception) when (Result.IsCanceled || Result.IsFaulted)
        {
            // Stopped mid-run by the test's end, or failed as the test checked through FinishedAsync.
        }
        await Oracle.DisposeAsync();
        _stop.Dispose();
    }
}
