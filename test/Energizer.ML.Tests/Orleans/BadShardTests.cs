using Energizer.ML.Orleans.Shards;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Energizer.ML.Tests.Orleans;

/// <summary>A shard that is missing, empty or of other columns fails when the pool is opened, naming it.</summary>
[TestClass]
public sealed class BadShardTests
{
    private sealed class OtherRow
    {
        public float Size { get; set; }

        public string Colour { get; set; } = "";
    }

    /// <summary>Writes <paramref name="rows"/> rows of the synthetic pool to a binary shard file.</summary>
    internal static string WriteShard(MLContext ml, string directory, string name, long rows)
    {
        string path = Path.Combine(directory, name);
        var source = SyntheticModels.Pool(ml, 1000, 1000);
        using var file = File.Create(path);
        ml.Data.SaveAsBinary(rows == 0 ? ml.Data.SkipRows(source, 1000) : ml.Data.TakeRows(source, rows), file);
        return path;
    }

    [TestMethod]
    public void BinaryShardsReadAsOnePoolWithGlobalRowIds()
    {
        var ml = new MLContext(0);
        using var directory = new TemporaryDirectory("energizer-shards-");
        var pool = new ShardedPool(ml, [
            ShardSource.Binary(WriteShard(ml, directory.Path, "a.idv", 30)),
            ShardSource.Binary(WriteShard(ml, directory.Path, "b.idv", 20))]);
        Assert.AreEqual(50, pool.RowCount);
        CollectionAssert.AreEqual(new long[] { 0, 30 }, pool.FirstRows.ToArray());
        // Rows 28..31 straddle the two shards: positions and labels as written (b.idv repeats the synthetic pool's first rows).
        var labels = ml.Data.CreateEnumerable<LabelRow>(pool, reuseRowObject: false).Select(r => r.Label).ToArray();
        var synthetic = ml.Data.CreateEnumerable<LabelRow>(SyntheticModels.Pool(ml, 1000, 1000), reuseRowObject: false).Select(r => r.Label).Take(30).ToArray();
        CollectionAssert.AreEqual(synthetic.Concat(synthetic.Take(20)).ToArray(), labels);
    }

    private sealed class LabelRow
    {
        public uint Label { get; set; }
    }

    [TestMethod]
    public void AMissingShardIsNamed()
    {
        var ml = new MLContext(0);
        using var directory = new TemporaryDirectory("energizer-shards-");
        string missing = Path.Combine(directory.Path, "missing.idv");
        var error = Assert.ThrowsExactly<InvalidDataException>(() =>
            new ShardedPool(ml, [ShardSource.Binary(WriteShard(ml, directory.Path, "a.idv", 10)), ShardSource.Binary(missing)]));
        Assert.AreEqual($"Shard binary shard '{missing}' cannot be read: the file does not exist.", error.Message);
    }

    [TestMethod]
    public void AnEmptyShardIsNamed()
    {
        var ml = new MLContext(0);
        using var directory = new TemporaryDirectory("energizer-shards-");
        string empty = WriteShard(ml, directory.Path, "empty.idv", 0);
        var error = Assert.ThrowsExactly<InvalidDataException>(() =>
            new ShardedPool(ml, [ShardSource.Binary(WriteShard(ml, directory.Path, "a.idv", 10)), ShardSource.Binary(empty)]));
        Assert.AreEqual($"Shard binary shard '{empty}' is empty: a pool's shards must hold rows.", error.Message);
    }

    [TestMethod]
    public void AShardOfOtherColumnsIsNamed()
    {
        var ml = new MLContext(0);
        using var directory = new TemporaryDirectory("energizer-shards-");
        string other = Path.Combine(directory.Path, "other.idv");
        using (var file = File.Create(other))
            ml.Data.SaveAsBinary(ml.Data.LoadFromEnumerable([new OtherRow { Size = 1, Colour = "red" }]), file);
        string good = WriteShard(ml, directory.Path, "a.idv", 10);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => new ShardedPool(ml, [ShardSource.Binary(good), ShardSource.Binary(other)]));
        Assert.AreEqual(
            $"Shard binary shard '{other}' has the columns [Size: Single, Colour: String], but the pool's first shard (binary shard '{good}') has "
            + "[Features: Vector<Single, 12>, Label: Key<UInt32, 0-2>]: every shard of a pool must have the same schema.",
            error.Message);
    }

    [TestMethod]
    public void TextShardsReadWithTheUsersColumnsAndAMissingOneIsNamed()
    {
        var ml = new MLContext(0);
        using var directory = new TemporaryDirectory("energizer-shards-");
        string a = Path.Combine(directory.Path, "a.csv"), b = Path.Combine(directory.Path, "b.csv"), c = Path.Combine(directory.Path, "c.csv");
        File.WriteAllLines(a, ["x,y,label", "1,2,cat", "3,4,dog"]);
        File.WriteAllLines(b, ["x,y,label", "5,6,cat"]);
        var format = new TextShardFormat
        {
            Columns = [new("Features", DataKind.Single, 0, 1), new("Label", DataKind.String, 2, 2)],
        };
        var pool = new ShardedPool(ml, [ShardSource.Text(a, format), ShardSource.Text(b, format)]);
        Assert.AreEqual(3, pool.RowCount);
        var features = pool.GetColumn<float[]>("Features").ToArray();
        CollectionAssert.AreEqual(new float[] { 5, 6 }, features[2]);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => new ShardedPool(ml, [ShardSource.Text(a, format), ShardSource.Text(c, format)]));
        Assert.AreEqual($"Shard text shard '{c}' cannot be read: the file does not exist.", error.Message);
    }

    [TestMethod]
    public void TheLoopReadsLabelledRowsFromTheShardsThatHoldThemOnly()
    {
        // A text loader opens its file again for every cursor: once b.csv is gone, a pass over the
        // whole pool fails, and reading rows 0 and 2 (both in a.csv) must not touch b.csv.
        var ml = new MLContext(0);
        using var directory = new TemporaryDirectory("energizer-shards-");
        string a = Path.Combine(directory.Path, "a.csv"), b = Path.Combine(directory.Path, "b.csv");
        File.WriteAllLines(a, ["x,label", "1,cat", "2,dog", "3,cat"]);
        File.WriteAllLines(b, ["x,label", "4,dog"]);
        var format = new TextShardFormat { Columns = [new("X", DataKind.Single, 0, 0), new("Label", DataKind.String, 1, 1)] };
        var pool = new ShardedPool(ml, [ShardSource.Text(a, format), ShardSource.Text(b, format)]);
        File.Delete(b);
        var labelled = new Energizer.ML.Loop.PoolSubsetView(pool, null, new HashSet<long> { 0, 2 }, null, "RowId");
        var read = ml.Data.CreateEnumerable<XRow>(labelled, reuseRowObject: false).ToArray();
        CollectionAssert.AreEqual(new[] { 1f, 3f }, read.Select(r => r.X).ToArray());
        CollectionAssert.AreEqual(new[] { 0L, 2L }, read.Select(r => r.RowId).ToArray());
        Assert.Throws<Exception>(() =>
        {
            using var all = pool.GetRowCursor(pool.Schema);
            while (all.MoveNext())
            {
            }
        });
    }

    private sealed class XRow
    {
        public float X { get; set; }

        public long RowId { get; set; }
    }
}
