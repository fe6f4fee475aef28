using DistributedPoolSample;

return await DistributedPoolApp.RunAsync(args, Console.Out).ConfigureAwait(false);
