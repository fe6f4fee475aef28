namespace Energizer.ML.Inference;

/// <summary>How a dropout layer drops: single values, whole channels, or either kind the SELU-preserving (alpha) way.</summary>
internal enum DropoutKind
{
    /// <summary>Dropout: each value on its own.</summary>
    Elementwise,

    /// <summary>Dropout1d/2d/3d: whole channels.</summary>
    Channel,

    /// <summary>AlphaDropout: each value, keeping SELU's mean and variance.</summary>
    Alpha,

    /// <summary>FeatureAlphaDropout: whole channels, keeping SELU's mean and variance.</summary>
    FeatureAlpha,
}
