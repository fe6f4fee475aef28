namespace Energizer.ML.Torch;

/// <summary>
/// A batch of sparse rows in bag form (as <c>EmbeddingBag</c> takes them), over its owner's reused buffers (valid
/// until the owner fills them again): the column and value of every explicit entry, rows in
/// order and columns ascending within a row, and where each row's entries start.
/// </summary>
/// <param name="Rows">Rows in the batch.</param>
/// <param name="NonZeros">Explicit entries in the batch.</param>
/// <param name="Columns">The column of each entry (the first <paramref name="NonZeros"/> hold the batch).</param>
/// <param name="RowStarts">Where each row's entries start (the first <paramref name="Rows"/> hold the batch).</param>
/// <param name="Values">The value of each entry.</param>
internal readonly record struct SparseRows(int Rows, int NonZeros, long[] Columns, long[] RowStarts, float[] Values);
