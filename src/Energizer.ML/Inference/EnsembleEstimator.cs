using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Inference;

/// <summary>
/// A committee of K learners: K members built by a factory (e.g. TorchClassifiers with different
/// seeds: a deep ensemble), each fitted on the data or on a bootstrap resample of it (a committee
/// for query-by-committee with any ML.NET trainer). Its transformer's <c>Score</c> is the
/// members' mean; <see cref="InferenceMode.Ensemble"/> reads each member's probabilities.
/// </summary>
public sealed class EnsembleEstimator : IEstimator<EnsembleTransformer>
{
    private readonly MLContext _context;
    private readonly Func<int, IEstimator<ITransformer>> _member;

    internal EnsembleEstimator(MLContext context, Func<int, IEstimator<ITransformer>> member, int members, bool bootstrap, int seed)
    {
        ArgumentNullException.ThrowIfNull(member);
        if (members < 2) throw new ArgumentOutOfRangeException(nameof(members), members, "An ensemble needs at least 2 members.");
        _context = context;
        _member = member;
        Members = members;
        Bootstrap = bootstrap;
        Seed = seed;
    }

    /// <summary>K, the number of members.</summary>
    public int Members { get; }

    /// <summary>Whether each member is fitted on a bootstrap resample (seeded by <see cref="Seed"/> + member index).</summary>
    public bool Bootstrap { get; }

    /// <summary>Seed of the bootstrap resamples.</summary>
    public int Seed { get; }

    /// <summary>Fits the K members.</summary>
    public EnsembleTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var fitted = new List<ITransformer>(Members);
        for (int k = 0; k < Members; k++)
        {
            var data = Bootstrap ? _context.Data.BootstrapSample(input, Seed + k) : input;
            fitted.Add(_member(k).Fit(data));
        }
        return new EnsembleTransformer(fitted, input.Schema);
    }

    /// <summary>The first member's output schema (all members must agree) and each member's probabilities, <c>Score.Member{k}</c>.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var first = _member(0).GetOutputSchema(inputSchema);
        var score = first.FirstOrDefault(c => c.Name == "Score");
        if (score.Name != "Score" || score.Kind != SchemaShape.Column.VectorKind.Vector || score.ItemType != NumberDataViewType.Single)
            throw new ArgumentException("Ensemble members must be multiclass classifiers with a 'Score' vector of class probabilities.", nameof(inputSchema));
        return SchemaShapes.AppendVectors(_context, first, Enumerable.Range(0, Members).Select(EnsembleTransformer.MemberScoreName));
    }
}
