using System.Runtime.Versioning;
using Energizer.ML.Native;

namespace Energizer.ML.Tests.Foundation;

[TestClass]
public sealed class ElfVersionsTests
{
    private const string Missing = ElfVersions.TorchSharpMissingVersion;

    private static byte[] TorchSharpLike() => ElfFixture.Build(
        [("libc.so.6", ["GLIBC_2.2.5"]), ("libstdc++.so.6", ["GLIBCXX_3.4.30", Missing, "CXXABI_1.3.13"])], []);

    private static byte[] OldHost() => ElfFixture.Build([], ["GLIBCXX_3.4", "GLIBCXX_3.4.29", "GLIBCXX_3.4.30"]);

    private static byte[] NewHost() => ElfFixture.Build([], ["GLIBCXX_3.4.30", "GLIBCXX_3.4.31", Missing]);

    [TestMethod]
    public void ReadsEveryVersionNeedWithItsFile()
    {
        var needs = ElfVersions.ReadVersionNeeds(TorchSharpLike());
        CollectionAssert.AreEqual(
            new[] { "libc.so.6:GLIBC_2.2.5", "libstdc++.so.6:GLIBCXX_3.4.30", $"libstdc++.so.6:{Missing}", "libstdc++.so.6:CXXABI_1.3.13" },
            needs.Select(n => $"{n.File}:{n.Version}").ToArray());
        Assert.IsTrue(needs.All(n => !n.IsWeak));
    }

    [TestMethod]
    public void ReadsVersionDefinitions()
    {
        CollectionAssert.AreEqual(new[] { "GLIBCXX_3.4", "GLIBCXX_3.4.29", "GLIBCXX_3.4.30" }, ElfVersions.ReadVersionDefinitions(OldHost()).ToArray());
    }

    [TestMethod]
    public void WeakeningSetsOnlyTheWeakFlagOfThatNeed()
    {
        byte[] original = TorchSharpLike();
        byte[] patched = (byte[])original.Clone();

        Assert.IsTrue(ElfVersions.WeakenVersionNeed(patched, Missing));

        var need = ElfVersions.ReadVersionNeeds(patched).Single(n => n.Version == Missing);
        Assert.AreEqual(ElfVersions.WeakFlag, need.Flags);
        // Exactly one byte differs: the low byte of that vna_flags field, 0x00 -> 0x02.
        var differing = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToArray();
        CollectionAssert.AreEqual(new[] { (int)need.FlagsOffset }, differing);
        Assert.AreEqual((byte)0x02, patched[need.FlagsOffset]);
        Assert.IsTrue(ElfVersions.ReadVersionNeeds(patched).Where(n => n.Version != Missing).All(n => !n.IsWeak));
    }

    [TestMethod]
    public void WeakeningTwiceChangesNothingTheSecondTime()
    {
        byte[] image = TorchSharpLike();
        Assert.IsTrue(ElfVersions.WeakenVersionNeed(image, Missing));
        byte[] once = (byte[])image.Clone();
        Assert.IsFalse(ElfVersions.WeakenVersionNeed(image, Missing));
        CollectionAssert.AreEqual(once, image);
    }

    [TestMethod]
    public void AlreadyWeakOrAbsentNeedIsANoOp()
    {
        byte[] weak = ElfFixture.Build([("libstdc++.so.6", ["GLIBCXX_3.4.30", Missing])], [], Missing);
        byte[] copy = (byte[])weak.Clone();
        Assert.IsFalse(ElfVersions.WeakenVersionNeed(weak, Missing));
        CollectionAssert.AreEqual(copy, weak);

        byte[] without = ElfFixture.Build([("libstdc++.so.6", ["GLIBCXX_3.4.30"])], []);
        Assert.IsFalse(ElfVersions.WeakenVersionNeed(without, Missing));
    }

    [TestMethod]
    public void PatchIfNeededPatchesForAnOldHostOnlyAndIsIdempotent()
    {
        using var temporary = new TemporaryDirectory("energizer-elf-");
        string dir = temporary.Path;
        string library = Path.Combine(dir, "libLibTorchSharp.so");
        string oldHost = Path.Combine(dir, "old-libstdc++.so.6");
        string newHost = Path.Combine(dir, "new-libstdc++.so.6");
        File.WriteAllBytes(oldHost, OldHost());
        File.WriteAllBytes(newHost, NewHost());

        File.WriteAllBytes(library, TorchSharpLike());
        StringAssert.Contains(ElfVersions.PatchIfNeeded(library, newHost, Missing), "left as it is");
        CollectionAssert.AreEqual(TorchSharpLike(), File.ReadAllBytes(library), "a host that defines the version needs no patch");

        StringAssert.Contains(ElfVersions.PatchIfNeeded(library, oldHost, Missing), "weakened");
        Assert.IsTrue(ElfVersions.ReadVersionNeeds(File.ReadAllBytes(library)).Single(n => n.Version == Missing).IsWeak);
        byte[] afterFirst = File.ReadAllBytes(library);

        StringAssert.Contains(ElfVersions.PatchIfNeeded(library, oldHost, Missing), "checked earlier in this process");
        CollectionAssert.AreEqual(afterFirst, File.ReadAllBytes(library));
        CollectionAssert.AreEquivalent(new[] { library, oldHost, newHost }, Directory.GetFiles(dir), "no temporary file is left behind");

        StringAssert.Contains(ElfVersions.PatchIfNeeded(library, null, Missing), "no host libstdc++");
    }

    [TestMethod]
    [SupportedOSPlatform("linux")]
    public void PatchingRenamesAPatchedCopyOverTheLibrary()
    {
        // A process that opened (or mapped) the library before the patch keeps reading the whole original
        // file; the path then names the patched copy, which keeps the library's permissions.
        using var temporary = new TemporaryDirectory("energizer-elf-");
        string dir = temporary.Path;
        string library = Path.Combine(dir, "libLibTorchSharp.so");
        string oldHost = Path.Combine(dir, "old-libstdc++.so.6");
        File.WriteAllBytes(oldHost, OldHost());
        File.WriteAllBytes(library, TorchSharpLike());
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead;
        File.SetUnixFileMode(library, mode);

        using (var reader = new FileStream(library, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            StringAssert.Contains(ElfVersions.PatchIfNeeded(library, oldHost, Missing), "weakened");
            var seen = new byte[reader.Length];
            reader.ReadExactly(seen);
            CollectionAssert.AreEqual(TorchSharpLike(), seen, "the open file was not written to");
        }
        Assert.IsTrue(ElfVersions.ReadVersionNeeds(library).Single(n => n.Version == Missing).IsWeak);
        Assert.AreEqual(mode, File.GetUnixFileMode(library));
        CollectionAssert.AreEquivalent(new[] { library, oldHost }, Directory.GetFiles(dir), "no temporary file is left behind");
    }

    [TestMethod]
    public void ALibraryCheckedInThisProcessIsNotReadAgainUntilItChanges()
    {
        using var temporary = new TemporaryDirectory("energizer-elf-");
        string dir = temporary.Path;
        string library = Path.Combine(dir, "libLibTorchSharp.so");
        string oldHost = Path.Combine(dir, "old-libstdc++.so.6");
        File.WriteAllBytes(oldHost, OldHost());
        File.WriteAllBytes(library, TorchSharpLike());
        StringAssert.Contains(ElfVersions.PatchIfNeeded(library, oldHost, Missing), "weakened");

        // Same length and write time, other bytes: a second check that read the file would find no ELF header.
        var written = File.GetLastWriteTimeUtc(library);
        File.WriteAllBytes(library, new byte[TorchSharpLike().Length]);
        File.SetLastWriteTimeUtc(library, written);
        StringAssert.Contains(ElfVersions.PatchIfNeeded(library, oldHost, Missing), "checked earlier in this process");

        // A new write time (a fresh copy from a rebuild) is checked again.
        File.SetLastWriteTimeUtc(library, written.AddSeconds(1));
        var error = Assert.ThrowsExactly<InvalidDataException>(() => ElfVersions.PatchIfNeeded(library, oldHost, Missing));
        StringAssert.Contains(error.Message, "Not an ELF file");
    }

    [TestMethod]
    public void AnAlreadyPatchedLibraryIsCheckedFromItsVersionSectionsAlone()
    {
        // The patched library is padded to 3 GiB (a sparse file: no disk used): reading it whole fails
        // (File.ReadAllBytes stops at 2 GiB), reading its header, section table and version needs does not.
        // The host's libstdc++ is not read at all (it does not exist) since the library needs nothing.
        using var temporary = new TemporaryDirectory("energizer-elf-");
        string dir = temporary.Path;
        string library = Path.Combine(dir, "libLibTorchSharp.so");
        File.WriteAllBytes(library, ElfFixture.Build([("libstdc++.so.6", ["GLIBCXX_3.4.30", Missing])], [], Missing));
        using (var file = new FileStream(library, FileMode.Open, FileAccess.Write)) file.SetLength(3L << 30);

        string outcome = ElfVersions.PatchIfNeeded(library, Path.Combine(dir, "absent-libstdc++.so.6"), Missing);
        Assert.AreEqual(library + " has no strong need of " + Missing + "; left as it is", outcome);
        CollectionAssert.AreEqual(
            new[] { "GLIBCXX_3.4.30:False", $"{Missing}:True" },
            ElfVersions.ReadVersionNeeds(library).Select(n => $"{n.Version}:{n.IsWeak}").ToArray());
    }

    [TestMethod]
    public void ReadingAFileAgreesWithReadingItsBytes()
    {
        using var temporary = new TemporaryDirectory("energizer-elf-");
        string dir = temporary.Path;
        string library = Path.Combine(dir, "lib.so"), host = Path.Combine(dir, "host.so");
        File.WriteAllBytes(library, TorchSharpLike());
        File.WriteAllBytes(host, NewHost());
        CollectionAssert.AreEqual(
            ElfVersions.ReadVersionNeeds(TorchSharpLike()).Select(n => $"{n.File}:{n.Version}:{n.Flags}:{n.FlagsOffset}").ToArray(),
            ElfVersions.ReadVersionNeeds(library).Select(n => $"{n.File}:{n.Version}:{n.Flags}:{n.FlagsOffset}").ToArray());
        CollectionAssert.AreEqual(new[] { "GLIBCXX_3.4.30", "GLIBCXX_3.4.31", Missing }, ElfVersions.ReadVersionDefinitions(host).ToArray());

        File.WriteAllBytes(library, TorchSharpLike()[..80]);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ElfVersions.ReadVersionNeeds(library)).Message, "runs past the end of the file (80 bytes)");
    }

    [TestMethod]
    public void NonElfAndTruncatedInputGiveClearErrors()
    {
        var notElf = Assert.ThrowsExactly<InvalidDataException>(() => ElfVersions.ReadVersionNeeds(new byte[100]));
        StringAssert.Contains(notElf.Message, "Not an ELF file");
        byte[] truncated = TorchSharpLike()[..80];
        var cut = Assert.ThrowsExactly<InvalidDataException>(() => ElfVersions.ReadVersionNeeds(truncated));
        StringAssert.Contains(cut.Message, "runs past the end");
    }

    [TestMethod]
    public void BuildOutputCopyOfLibTorchSharpLoadsOnThisHost()
    {
        // The real library in this test's output: after the build task (or the runtime fallback),
        // its GLIBCXX_3.4.32 need is weak wherever the host's libstdc++ lacks that version.
        string library = Directory.EnumerateFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories).First();
        string? host = ElfVersions.FindHostLibStdCxx();
        Assert.IsNotNull(host, "a Linux host has libstdc++.so.6");
        bool hostHasIt = ElfVersions.ReadVersionDefinitions(File.ReadAllBytes(host)).Contains(Missing);
        var need = ElfVersions.ReadVersionNeeds(File.ReadAllBytes(library)).SingleOrDefault(n => n.Version == Missing);
        Assert.IsNotNull(need, "TorchSharp-cpu 0.107 needs GLIBCXX_3.4.32");
        if (!hostHasIt) Assert.IsTrue(need.IsWeak, $"{library} should have been patched at build time");
        Energizer.ML.Torch.TorchRuntime.EnsureLoaded();
        Assert.AreEqual(6L, TorchSharp.torch.tensor(new long[] { 1, 2, 3 }).sum().item<long>());
    }
}
