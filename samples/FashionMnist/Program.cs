using FashionMnistSample;

return await FashionApp.RunAsync(args, Console.Out, Console.Error);
