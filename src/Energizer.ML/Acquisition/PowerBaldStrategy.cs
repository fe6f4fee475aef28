using Energizer.ML.Numerics;

namespace Energizer.ML.Acquisition;

/// <summary>
/// Stochastic batch acquisition (Kirsch et al. 2021, "Stochastic Batch Acquisition for Deep Active
/// Learning"): adds Gumbel noise to the log sampling weight of each row, so the top k is a sample of k
/// rows without replacement with probability ∝ weight (the Gumbel-top-k trick). The noise of a row
/// is hashed from (<see cref="Seed"/>, row id), so the sample does not depend on how the pool is batched.
/// </summary>
/// <remarks>
/// Power and softmax modes are pointwise: <see cref="Score"/> returns β·ln s + G (power, with s floored
/// at 1e-30 so zero scores stay possible but last) or β·s + G (softmax), G ~ Gumbel(0, 1), and the
/// pool's top k is the sample. Softrank needs each row's rank among the candidates, so it is
/// batch-aware: <see cref="Score"/> is the unperturbed base score (the pre-filter), and
/// <see cref="Select"/> ranks the candidates and samples among them; a pre-filter to M candidates
/// thus drops the tail of ranks beyond M.
/// </remarks>
public sealed class PowerBaldStrategy : AcquisitionStrategy
{
    private const double ScoreFloor = 1e-30;

    internal PowerBaldStrategy(double beta, PowerBaldMode mode, int seed, AcquisitionStrategy baseStrategy)
    {
        if (!double.IsFinite(beta) || beta < 0)
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "β must be finite and non-negative.");
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown mode.");
        ArgumentNullException.ThrowIfNull(baseStrategy);
        Beta = beta;
        Mode = mode;
        Seed = seed;
        BaseStrategy = baseStrategy;
    }

    /// <summary>The coldness β: 0 samples uniformly, a large β approaches the base strategy's top k.</summary>
    public double Beta { get; }

    /// <summary>How the base score becomes a sampling weight.</summary>
    public PowerBaldMode Mode { get; }

    /// <summary>The seed of the Gumbel noise.</summary>
    public int Seed { get; }

    /// <summary>The strategy whose score is perturbed (BALD by default).</summary>
    public AcquisitionStrategy BaseStrategy { get; }

    /// <inheritdoc />
    public override string Name => $"{Mode}{BaseStrategy.Name}";

    /// <inheritdoc />
    public override bool NeedsSeveralPasses => BaseStrategy.NeedsSeveralPasses;

    /// <inheritdoc />
    internal override AcquisitionStrategy ForRun(int runSeed) => new PowerBaldStrategy(Beta, Mode, Seed, BaseStrategy.ForRun(runSeed));

    /// <inheritdoc />
    /// <remarks>Power and softmax scores carry unbounded Gumbel noise; softrank's pre-filter score is the base score.</remarks>
    public override (double Min, double Max)? ScoreRange(int classes, int iterations) => Mode == PowerBaldMode.Softrank ? BaseStrategy.ScoreRange(classes, iterations) : null;

    /// <inheritdoc />
    public override string Fingerprint => FormattableString.Invariant($"{Mode}({BaseStrategy.Fingerprint}, beta={Beta:R}, seed={Seed})");

    /// <inheritdoc />
    public override bool IsBatchAware => Mode == PowerBaldMode.Softrank;

    /// <inheritdoc />
    public override bool NeedsEmbeddings => BaseStrategy.NeedsEmbeddings;

    /// <inheritdoc />
    public override void Score(AcquisitionBatch batch, Span<float> scores)
    {
        BaseStrategy.Score(batch, scores);
        if (Mode == PowerBaldMode.Softrank) return;
        for (int n = 0; n < batch.Count; n++)
        {
            double s = scores[n];
            double logWeight;
            if (Mode == PowerBaldMode.Power)
            {
                if (!(s >= 0))
                    throw new ArgumentException(
                        $"Row {batch.RowIds[n]}: {BaseStrategy.Name} score {s} is negative or NaN; power mode needs scores ≥ 0 (use Softmax or Softrank mode).",
                        nameof(batch));
                logWeight = Beta * Math.Log(Math.Max(s, ScoreFloor));
            }
            else
            {
                logWeight = Beta * s;
            }
            scores[n] = (float)(logWeight + Noise(batch.RowIds[n]));
        }
    }

    /// <inheritdoc />
    public override int[] Select(AcquisitionBatch candidates, int k, ReadOnlyMemory<float>? labelledEmbeddings = null)
    {
        if (Mode != PowerBaldMode.Softrank) return base.Select(candidates, k, labelledEmbeddings);
        ArgumentNullException.ThrowIfNull(candidates);
        CheckK(k, candidates.Count);
        var scores = new float[candidates.Count];
        BaseStrategy.Score(candidates, scores);
        var byRank = OrderByScore(scores, candidates.RowIds);
        for (int rank = 1; rank <= byRank.Length; rank++)
        {
            int n = byRank[rank - 1];
            scores[n] = (float)((-Beta * Math.Log(rank)) + Noise(candidates.RowIds[n]));
        }
        return TopK(scores, candidates.RowIds, k);
    }

    private double Noise(long rowId) => SeededHash.Gumbel(Seed, SeededHash.GumbelStream, rowId);
}
