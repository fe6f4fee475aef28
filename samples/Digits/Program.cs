using DigitsSample;

return await DigitsApp.RunAsync(args, Console.In, Console.Out, Console.Error);
