// This one file is compiled twice: into Energizer.ML (where the patch is tested and applied at
// run time as a fallback) and, through MSBuild's RoslynCodeTaskFactory, into the build task
// that buildTransitive/Energizer.ML.targets runs after every build and publish. Keep it to
// C# 7.3 and netstandard2.0 APIs so the inline task compiles everywhere.
#if ENERGIZER_LIBRARY
#nullable disable
#endif
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Energizer.ML.Native
{
    /// <summary>One entry of an ELF file's version needs (<c>.gnu.version_r</c>).</summary>
    public sealed class ElfVersionNeed
    {
        internal ElfVersionNeed(string file, string version, ushort flags, long flagsOffset)
        {
            File = file;
            Version = version;
            Flags = flags;
            FlagsOffset = flagsOffset;
        }

        /// <summary>The shared library the version is needed from, e.g. <c>libstdc++.so.6</c>.</summary>
        public string File { get; }

        /// <summary>The version name, e.g. <c>GLIBCXX_3.4.32</c>.</summary>
        public string Version { get; }

        /// <summary>The <c>vna_flags</c> field; bit 0x2 (<c>VER_FLG_WEAK</c>) makes the need weak.</summary>
        public ushort Flags { get; }

        /// <summary>Whether the dynamic loader tolerates this version being absent.</summary>
        public bool IsWeak { get { return (Flags & ElfVersions.WeakFlag) != 0; } }

        /// <summary>Byte offset of the <c>vna_flags</c> field in the file.</summary>
        public long FlagsOffset { get; }
    }

    /// <summary>
    /// Reads ELF symbol-version sections and weakens one version need. TorchSharp-cpu 0.107's
    /// <c>libLibTorchSharp.so</c> needs <c>GLIBCXX_3.4.32</c> only for GCC 13's iostream marker
    /// symbol, which is never called; marking that need weak lets the library load on hosts
    /// with an older libstdc++ (Debian 12, Ubuntu 22.04).
    /// </summary>
    public static class ElfVersions
    {
        /// <summary><c>VER_FLG_WEAK</c> from the ELF gABI.</summary>
        public const ushort WeakFlag = 0x2;

        /// <summary>The version TorchSharp-cpu 0.107 needs that older hosts lack.</summary>
        public const string TorchSharpMissingVersion = "GLIBCXX_3.4.32";

        private const uint ShtGnuVerdef = 0x6ffffffd;
        private const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>Lists the version needs of an ELF64 little-endian image.</summary>
        public static IList<ElfVersionNeed> ReadVersionNeeds(byte[] elf)
        {
            return ReadVersionNeeds(new ElfImage(elf));
        }

        /// <summary>
        /// Lists the version needs of the ELF64 little-endian file at <paramref name="path"/>, reading only its
        /// header, section table, version-needs section and that section's string table.
        /// </summary>
        public static IList<ElfVersionNeed> ReadVersionNeeds(string path)
        {
            using (var image = new ElfImage(path)) return ReadVersionNeeds(image);
        }

        /// <summary>Lists the version names an ELF64 little-endian image defines (<c>.gnu.version_d</c>).</summary>
        public static IList<string> ReadVersionDefinitions(byte[] elf)
        {
            return ReadVersionDefinitions(new ElfImage(elf));
        }

        /// <summary>
        /// Lists the version names the ELF64 little-endian file at <paramref name="path"/> defines, reading only
        /// the parts that hold them.
        /// </summary>
        public static IList<string> ReadVersionDefinitions(string path)
        {
            using (var image = new ElfImage(path)) return ReadVersionDefinitions(image);
        }

        private static IList<ElfVersionNeed> ReadVersionNeeds(ElfImage image)
        {
            var needs = new List<ElfVersionNeed>();
            foreach (var section in image.Sections())
            {
                if (section.Type != ShtGnuVerneed) continue;
                var entries = image.Read(section);
                var strings = image.Read(image.SectionAt(section.Link));
                long offset = section.Offset;
                for (uint i = 0; i < section.Info; i++)
                {
                    ushort count = entries.U16(offset + 2);
                    string file = strings.CString(strings.Start + entries.U32(offset + 4));
                    long aux = offset + entries.U32(offset + 8);
                    for (int j = 0; j < count; j++)
                    {
                        ushort flags = entries.U16(aux + 4);
                        string name = strings.CString(strings.Start + entries.U32(aux + 8));
                        needs.Add(new ElfVersionNeed(file, name, flags, aux + 4));
                        uint nextAux = entries.U32(aux + 12);
                        if (nextAux == 0) break;
                        aux += nextAux;
                    }
                    uint next = entries.U32(offset + 12);
                    if (next == 0) break;
                    offset += next;
                }
            }
            return needs;
        }

        private static IList<string> ReadVersionDefinitions(ElfImage image)
        {
            var names = new List<string>();
            foreach (var section in image.Sections())
            {
                if (section.Type != ShtGnuVerdef) continue;
                var entries = image.Read(section);
                var strings = image.Read(image.SectionAt(section.Link));
                long offset = section.Offset;
                for (uint i = 0; i < section.Info; i++)
                {
                    long aux = offset + entries.U32(offset + 12);
                    names.Add(strings.CString(strings.Start + entries.U32(aux)));
                    uint next = entries.U32(offset + 16);
                    if (next == 0) break;
                    offset += next;
                }
            }
            return names;
        }

        /// <summary>
        /// Sets <c>VER_FLG_WEAK</c> on every need of <paramref name="version"/>. Returns true when
        /// a byte changed; false when the image has no such need or it is already weak.
        /// </summary>
        public static bool WeakenVersionNeed(byte[] elf, string version)
        {
            bool changed = false;
            foreach (var need in ReadVersionNeeds(elf))
            {
                if (need.Version != version || need.IsWeak) continue;
                ushort flags = (ushort)(need.Flags | WeakFlag);
                elf[need.FlagsOffset] = (byte)flags;
                elf[need.FlagsOffset + 1] = (byte)(flags >> 8);
                changed = true;
            }
            return changed;
        }

        /// <summary>Finds the host's <c>libstdc++.so.6</c>, or null where there is none (not Linux).</summary>
        public static string FindHostLibStdCxx()
        {
            var dirs = new List<string>();
            string ldPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
            if (!string.IsNullOrEmpty(ldPath)) dirs.AddRange(ldPath.Split(':'));
            dirs.AddRange(new[]
            {
                "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                "/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib",
            });
            foreach (string dir in dirs)
            {
                if (dir.Length == 0) continue;
                string path = Path.Combine(dir, "libstdc++.so.6");
                if (File.Exists(path)) return path;
            }
            return null;
        }

        /// <summary>
        /// Patches one copy of <c>libLibTorchSharp.so</c> when it has a strong need of <paramref name="version"/>
        /// and <paramref name="hostLibStdCxx"/> does not define it. The patched copy is written next to the
        /// library and renamed over it, so a process loading the library meanwhile sees the old file or the new
        /// one, never a half-written one. A copy already checked in this process is not read again while its
        /// length and write time stay the same, and an already patched copy costs a read of its version needs
        /// only. Returns a sentence saying what was done, for build logs.
        /// </summary>
        public static string PatchIfNeeded(string libraryPath, string hostLibStdCxx, string version)
        {
            if (hostLibStdCxx == null) return "no host libstdc++.so.6 found; nothing to do for " + libraryPath;
            string key = Path.GetFullPath(libraryPath) + "|" + hostLibStdCxx + "|" + version;
            string stamp = Stamp(libraryPath);
            lock (Checked)
            {
                string checkedStamp;
                if (Checked.TryGetValue(key, out checkedStamp) && checkedStamp == stamp)
                    return libraryPath + " was checked earlier in this process and has not changed since; left as it is";
            }
            string outcome = Patch(libraryPath, hostLibStdCxx, version);
            lock (Checked) Checked[key] = Stamp(libraryPath);
            return outcome;
        }

        /// <summary>Library, host and version already checked in this process, with the library's stamp then.</summary>
        private static readonly Dictionary<string, string> Checked = new Dictionary<string, string>();

        /// <summary>Length and last write time: a fresh copy over the library changes at least the time.</summary>
        private static string Stamp(string path)
        {
            var info = new FileInfo(path);
            return info.Length + "@" + info.LastWriteTimeUtc.Ticks;
        }

        private static string Patch(string libraryPath, string hostLibStdCxx, string version)
        {
            if (StrongNeeds(ReadVersionNeeds(libraryPath), version).Count == 0)
                return libraryPath + " has no strong need of " + version + "; left as it is";
            if (ReadVersionDefinitions(hostLibStdCxx).Contains(version))
                return hostLibStdCxx + " defines " + version + "; " + libraryPath + " left as it is";
            string temporary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(libraryPath)),
                "." + Path.GetFileName(libraryPath) + "." + Guid.NewGuid().ToString("N") + ".energizer-patch");
            try
            {
                // The copy keeps the library's permissions; its needs are read again in case another process
                // replaced the library since the check above.
                File.Copy(libraryPath, temporary);
                var needs = StrongNeeds(ReadVersionNeeds(temporary), version);
                using (var stream = new FileStream(temporary, FileMode.Open, FileAccess.Write))
                {
                    foreach (var need in needs)
                    {
                        ushort flags = (ushort)(need.Flags | WeakFlag);
                        stream.Position = need.FlagsOffset;
                        stream.WriteByte((byte)flags);
                        stream.WriteByte((byte)(flags >> 8));
                    }
                    stream.Flush(true);
                }
                // File.Replace is a rename(2) on Unix, atomic within a directory; File.Move's overwrite
                // overload is not in netstandard2.0, which the build task compiles against.
                File.Replace(temporary, libraryPath, null);
            }
            finally
            {
                if (File.Exists(temporary)) File.Delete(temporary);
            }
            return "weakened the " + version + " need of " + libraryPath + " (host " + hostLibStdCxx + " lacks it)";
        }

        private static List<ElfVersionNeed> StrongNeeds(IList<ElfVersionNeed> needs, string version)
        {
            var strong = new List<ElfVersionNeed>();
            foreach (var need in needs)
                if (need.Version == version && !need.IsWeak) strong.Add(need);
            return strong;
        }

        private struct Section
        {
            public uint Type;
            public long Offset;
            public long Size;
            public uint Link;
            public uint Info;
        }

        /// <summary>
        /// An ELF image in memory or in a file; a file is read piece by piece (the header, the section table,
        /// the sections asked for), so checking TorchSharp's 2.4 MB library reads the 164 KB of its version
        /// needs and their string table.
        /// </summary>
        private sealed class ElfImage : IDisposable
        {
            private readonly byte[] _bytes;
            private readonly FileStream _file;
            private readonly long _length;
            private List<Section> _sections;

            public ElfImage(byte[] bytes)
            {
                _bytes = bytes;
                _length = bytes.Length;
            }

            public ElfImage(string path)
            {
                _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
                _length = _file.Length;
            }

            public List<Section> Sections()
            {
                if (_sections != null) return _sections;
                var header = Read(0, Math.Min(0x40, _length));
                CheckHeader(header, _length);
                long shoff = (long)header.U64(0x28);
                ushort shentsize = header.U16(0x3A);
                ushort shnum = header.U16(0x3C);
                var table = Read(shoff, (long)shnum * shentsize);
                _sections = new List<Section>(shnum);
                for (int i = 0; i < shnum; i++)
                {
                    long at = shoff + ((long)i * shentsize);
                    Section s;
                    s.Type = table.U32(at + 4);
                    s.Offset = (long)table.U64(at + 0x18);
                    s.Size = (long)table.U64(at + 0x20);
                    s.Link = table.U32(at + 0x28);
                    s.Info = table.U32(at + 0x2C);
                    _sections.Add(s);
                }
                return _sections;
            }

            public Section SectionAt(uint index)
            {
                var sections = Sections();
                if (index >= sections.Count)
                    throw new InvalidDataException("ELF section link " + index + " is out of range (" + sections.Count + " sections).");
                return sections[(int)index];
            }

            public Bytes Read(Section section)
            {
                return Read(section.Offset, section.Size);
            }

            private Bytes Read(long offset, long size)
            {
                if (offset < 0 || size < 0 || offset > _length - size)
                    throw new InvalidDataException("ELF structure at offset " + offset + " runs past the end of the file (" + _length + " bytes).");
                if (_bytes != null) return new Bytes(_bytes, 0, offset, offset + size, _length);
                if (size > int.MaxValue)
                    throw new InvalidDataException("ELF section at offset " + offset + " is " + size + " bytes long, too long to read.");
                var buffer = new byte[size];
                _file.Position = offset;
                int done = 0;
                while (done < buffer.Length)
                {
                    int read = _file.Read(buffer, done, buffer.Length - done);
                    if (read == 0) throw new EndOfStreamException("The ELF file ended at " + (offset + done) + " bytes while reading offset " + offset + ".");
                    done += read;
                }
                return new Bytes(buffer, offset, offset, offset + size, _length);
            }

            public void Dispose()
            {
                if (_file != null) _file.Dispose();
            }
        }

        /// <summary>A piece [Start, End) of an ELF file, read by file offsets.</summary>
        private sealed class Bytes
        {
            private readonly byte[] _buffer;
            private readonly long _bufferStart;
            private readonly long _fileLength;

            public Bytes(byte[] buffer, long bufferStart, long start, long end, long fileLength)
            {
                _buffer = buffer;
                _bufferStart = bufferStart;
                Start = start;
                End = end;
                _fileLength = fileLength;
            }

            public long Start { get; }

            public long End { get; }

            public ushort U16(long o) { Check(o, 2); long i = o - _bufferStart; return (ushort)(_buffer[i] | _buffer[i + 1] << 8); }

            public uint U32(long o) { Check(o, 4); long i = o - _bufferStart; return (uint)(_buffer[i] | _buffer[i + 1] << 8 | _buffer[i + 2] << 16 | _buffer[i + 3] << 24); }

            public ulong U64(long o) { return U32(o) | (ulong)U32(o + 4) << 32; }

            public byte At(long o) { Check(o, 1); return _buffer[o - _bufferStart]; }

            public string CString(long o)
            {
                long end = o;
                while (end >= Start && end < End && _buffer[end - _bufferStart] != 0) end++;
                if (o < Start || end >= End) throw new InvalidDataException("ELF string at offset " + o + " is not terminated within its string table.");
                return Encoding.ASCII.GetString(_buffer, (int)(o - _bufferStart), (int)(end - o));
            }

            private void Check(long o, int size)
            {
                if (o < 0 || o + size > _fileLength)
                    throw new InvalidDataException("ELF structure at offset " + o + " runs past the end of the file (" + _fileLength + " bytes).");
                if (o < Start || o + size > End)
                    throw new InvalidDataException("ELF structure at offset " + o + " lies outside its section [" + Start + ", " + End + ").");
            }
        }

        private static void CheckHeader(Bytes header, long length)
        {
            if (length < 0x40 || header.At(0) != 0x7F || header.At(1) != (byte)'E' || header.At(2) != (byte)'L' || header.At(3) != (byte)'F')
                throw new InvalidDataException("Not an ELF file (bad magic bytes).");
            if (header.At(4) != 2 || header.At(5) != 1)
                throw new InvalidDataException("Only 64-bit little-endian ELF files are supported (class " + header.At(4) + ", data " + header.At(5) + ").");
        }
    }
}

#if !ENERGIZER_LIBRARY
namespace Energizer.ML.Build
{
    /// <summary>MSBuild task: patches the given copies of libLibTorchSharp.so where the host needs it.</summary>
    public sealed class PatchLibTorchSharp : Microsoft.Build.Utilities.Task
    {
        /// <summary>The copies to patch (build or publish output, never the NuGet cache).</summary>
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Libraries { get; set; }

        /// <inheritdoc />
        public override bool Execute()
        {
            string host = Energizer.ML.Native.ElfVersions.FindHostLibStdCxx();
            foreach (var item in Libraries)
            {
                string path = item.GetMetadata("FullPath");
                if (!System.IO.File.Exists(path)) continue;
                try
                {
                    string outcome = Energizer.ML.Native.ElfVersions.PatchIfNeeded(path, host, Energizer.ML.Native.ElfVersions.TorchSharpMissingVersion);
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "Energizer.ML: " + outcome);
                }
                catch (System.Exception e)
                {
                    Log.LogError("Energizer.ML could not weaken the " + Energizer.ML.Native.ElfVersions.TorchSharpMissingVersion
                        + " need of " + path + ": " + e.Message + " TorchSharp will not load on this host (its libstdc++ lacks that version).");
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
}
#endif
