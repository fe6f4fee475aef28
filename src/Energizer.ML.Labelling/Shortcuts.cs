using System.Globalization;

namespace Energizer.ML.Labelling;

/// <summary>
/// The keys that answer each class: a one-character class value is its own key ("3" for the digit
/// 3), otherwise 1–9 by button order; and the class name's first letter when no other class name
/// starts with it. Space (skip) and Backspace (undo) are the page's own.
/// </summary>
internal static class Shortcuts
{
    public static IReadOnlyList<IReadOnlyList<string>> For(IReadOnlyList<LabelClass> classes)
    {
        bool single = classes.All(c => c.Value.Length == 1 && c.Value != " ");
        var keys = new List<List<string>>();
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < classes.Count; i++)
        {
            string? key = single ? classes[i].Value : i < 9 ? (i + 1).ToString(CultureInfo.InvariantCulture) : null;
            keys.Add(key is not null && taken.Add(key) ? [key] : []);
        }
        for (int i = 0; i < classes.Count; i++)
        {
            string first = classes[i].Name[..1].ToLowerInvariant();
            bool unique = classes.Count(c => c.Name.StartsWith(first, StringComparison.OrdinalIgnoreCase)) == 1;
            if (unique && char.IsLetter(first[0]) && taken.Add(first)) keys[i].Add(first);
        }
        return keys;
    }
}
