using System.Collections;

namespace Energizer.ML.Tests.Acquisition;

/// <summary>Compares floats within a tolerance, for CollectionAssert.</summary>
internal sealed class ToleranceComparer(float tolerance) : IComparer
{
    public int Compare(object? x, object? y) =>
        Math.Abs((float)x! - (float)y!) <= tolerance ? 0 : ((float)x!).CompareTo((float)y!);
}
