using Microsoft.ML.Data;
using Energizer.ML.Acquisition;
using Energizer.ML.Inference;

namespace Energizer.ML.Scoring;

/// <summary>Options of the pool scorer (<see cref="AcquisitionScorerEstimator"/>).</summary>
public sealed class AcquisitionScorerOptions
{
    /// <summary>The acquisition strategy (default Entropy); for batch-aware strategies the column holds their pre-filter score.</summary>
    public AcquisitionStrategy? Strategy { get; set; } = AcquisitionStrategy.Entropy;

    /// <summary>How the learner behaves on the pool. Default: <see cref="InferenceMode.Deterministic"/>.</summary>
    public InferenceMode Inference { get; set; } = InferenceMode.Deterministic;

    /// <summary>Name of the added score column. Default "Acquisition".</summary>
    public string OutputColumnName { get; set; } = "Acquisition";

    /// <summary>Name of the added row-id column (Int64), the row's position in the pool, added
    /// when <see cref="IdColumnName"/> is null. Default "RowId".</summary>
    public string RowIdColumnName { get; set; } = "RowId";

    /// <summary>A pool column (integer) that identifies rows; null to use positions in the pool.</summary>
    public string? IdColumnName { get; set; }

    /// <summary>When set, a column of this name receives the mean class probabilities (over T).</summary>
    public string? MeanProbabilitiesColumnName { get; set; }

    /// <summary>A pool column (known-size vector of Single) to use as embeddings for diversity
    /// strategies, instead of the learner's penultimate layer.</summary>
    public string? EmbeddingColumnName { get; set; }

    /// <summary>
    /// The learner's label column. When the pool has none (a person will label it), the learner
    /// scores the pool with one of missing values of <see cref="LabelType"/> added, because ML.NET's
    /// <c>MapValueToKey</c> asks for the column even to predict. Default "Label".
    /// </summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The type of the missing-value label column added to a pool without one. Default text.</summary>
    public DataViewType LabelType { get; set; } = TextDataViewType.Instance;

    /// <summary>Rows scored together. Default 256.</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>
    /// Tolerance on each row's probability sum. The scorer refuses a row whose probabilities sum
    /// further than this from 1 (naming its id); a row within it but further than the strategies'
    /// own check (1e-3) is rescaled to sum to 1, so a learner whose probabilities are loosely
    /// normalised can be scored. Default 1e-3: rows are scored as the learner gives them.
    /// </summary>
    public double ProbabilityTolerance { get; set; } = 1e-3;
}
