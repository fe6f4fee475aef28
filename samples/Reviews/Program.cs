using ReviewsSample;

return await ReviewsApp.RunAsync(args, Console.In, Console.Out, Console.Error);
