using System.Globalization;
using Energizer.ML.Acquisition;
using Energizer.ML.Loop;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace Energizer.ML.Benchmarks.Issues;

/// <summary>
/// Label efficiency on digits with a logistic learner, the protocol modAL's and scikit-learn's
/// examples use: pixels / 16, a stratified 50/50 pool/test split, 10 random initial labels, 10
/// per round, 30 rounds, seeds 1–5. Compares ML.NET's default L-BFGS regularisation (L1 = 1,
/// L2 = 1) with L1 = 0, L2 = 1 (scikit-learn's C = 1: ML.NET minimises (Σ loss + L2/2·‖w‖²)/n),
/// for Margin and Random, reporting each curve summary as mean ± standard deviation over seeds.
/// </summary>
internal static class DigitsProtocol
{
    private sealed class Row
    {
        [VectorType(64)]
        public float[] Features { get; set; } = [];

        // LoadFromEnumerable reads a [KeyType] member as a 0-based index: digit d becomes key d + 1.
        [KeyType(10)]
        public uint Label { get; set; }
    }

    public static void Run()
    {
        var rows = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "data", "digits.csv")).Select(line =>
        {
            var values = line.Split(',');
            return new Row
            {
                Features = [.. values.Take(64).Select(v => float.Parse(v, CultureInfo.InvariantCulture) / 16f)],
                Label = uint.Parse(values[64], CultureInfo.InvariantCulture),
            };
        }).ToList();
        var pool = new List<Row>();
        var test = new List<Row>();
        foreach (var group in rows.GroupBy(r => r.Label))
        {
            int i = 0;
            foreach (var row in group) (i++ % 2 == 0 ? pool : test).Add(row);
        }

        var learners = new (string Name, Func<LbfgsMaximumEntropyMulticlassTrainer.Options> Options)[]
        {
            ("ML.NET defaults (L1 = 1, L2 = 1)", () => new() { NumberOfThreads = 1 }),
            ("L1 = 0, L2 = 1 (scikit-learn C = 1)", () => new() { NumberOfThreads = 1, L1Regularization = 0, L2Regularization = 1 }),
        };
        int[] seeds = [1, 2, 3, 4, 5];
        Console.WriteLine("Digits, LbfgsMaximumEntropy, 10 initial + 30 rounds x 10, seeds 1-5: mean ± sd over seeds");
        Console.WriteLine("| Learner | Strategy | Mean accuracy | Mean after initial | Trapezoid area | Final accuracy |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var (learnerName, learnerOptions) in learners)
        {
            foreach (string strategyName in new[] { "Margin", "Random" })
            {
                var results = seeds.Select(seed =>
                {
                    var ml = new MLContext(seed);
                    var options = new ActiveLearningOptions
                    {
                        Strategy = strategyName == "Margin" ? AcquisitionStrategy.Margin : AcquisitionStrategy.SeededRandom(seed),
                        QuerySize = 10,
                        InitialLabelledCount = 10,
                        MaxRounds = 30,
                        Seed = seed,
                    };
                    var learner = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(learnerOptions());
                    return ml.ActiveLearning().Trainer(options)
                        .Fit(learner, ml.Data.LoadFromEnumerable(pool), Oracles.FromLabelColumn("Label"), ml.Data.LoadFromEnumerable(test));
                }).ToList();
                Console.WriteLine($"| {learnerName} | {strategyName} | {Stat(results, r => r.MeanAccuracy)} | "
                    + $"{Stat(results, r => r.SummarizeLearningCurve(LearningCurveSummary.MeanAccuracyAfterInitial))} | "
                    + $"{Stat(results, r => r.AreaUnderLearningCurve)} | {Stat(results, r => r.Rounds[^1].Metrics!.MicroAccuracy)} |");
            }
        }
    }

    private static string Stat(List<ActiveLearningResult> results, Func<ActiveLearningResult, double> value)
    {
        var values = results.Select(value).ToArray();
        double mean = values.Average();
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        return string.Create(CultureInfo.InvariantCulture, $"{mean:F3} ± {sd:F3}");
    }
}
