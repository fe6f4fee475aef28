namespace Energizer.ML.Loop;

/// <summary>
/// How a learning curve (evaluation accuracy after each round's fit) becomes one number. Papers and
/// libraries differ: modAL's and baal's examples and most papers report the mean accuracy over
/// rounds; others report an area under the curve against the labelled count; some leave out the
/// first point, the model fitted on the initial labels alone, which no strategy chose.
/// </summary>
public enum LearningCurveSummary
{
    /// <summary>The mean of every evaluated round's micro-accuracy, the initial fit included.</summary>
    MeanAccuracy,

    /// <summary>The mean micro-accuracy of the rounds after the initial fit (round 0 left out).</summary>
    MeanAccuracyAfterInitial,

    /// <summary>
    /// Σ trapezoids of accuracy against labelled count ÷ the labelled-count range, the initial fit
    /// included: a mean accuracy weighted by how many labels each stretch of the curve spans.
    /// </summary>
    TrapezoidArea,

    /// <summary>As <see cref="TrapezoidArea"/>, from the first round after the initial fit.</summary>
    TrapezoidAreaAfterInitial,
}
