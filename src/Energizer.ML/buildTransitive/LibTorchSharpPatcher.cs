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
            var needs = new List<ElfVersionNeed>();
            foreach (var section in Sections(elf))
            {
                if (section.Type != ShtGnuVerneed) continue;
                var strtab = SectionAt(elf, section.Link);
                long offset = section.Offset;
                for (uint i = 0; i < section.Info; i++)
                {
                    ushort count = U16(elf, offset + 2);
                    string file = CString(elf, strtab.Offset + U32(elf, offset + 4));
                    long aux = offset + U32(elf, offset + 8);
                    for (int j = 0; j < count; j++)
                    {
                        ushort flags = U16(elf, aux + 4);
                        string name = CString(elf, strtab.Offset + U32(elf, aux + 8));
                        needs.Add(new ElfVersionNeed(file, name, flags, aux + 4));
                        uint nextAux = U32(elf, aux + 12);
                        if (nextAux == 0) break;
                        aux += nextAux;
                    }
                    uint next = U32(elf, offset + 12);
                    if (next == 0) break;
                    offset += next;
                }
            }
            return needs;
        }

        /// <summary>Lists the version names an ELF64 little-endian image defines (<c>.gnu.version_d</c>).</summary>
        public static IList<string> ReadVersionDefinitions(byte[] elf)
        {
            var names = new List<string>();
            foreach (var section in Sections(elf))
            {
                if (section.Type != ShtGnuVerdef) continue;
                var strtab = SectionAt(elf, section.Link);
                long offset = section.Offset;
                for (uint i = 0; i < section.Info; i++)
                {
                    long aux = offset + U32(elf, offset + 12);
                    names.Add(CString(elf, strtab.Offset + U32(elf, aux)));
                    uint next = U32(elf, offset + 16);
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
        /// Patches one copy of <c>libLibTorchSharp.so</c> in place when it needs
        /// <paramref name="version"/> and <paramref name="hostLibStdCxx"/> does not define it.
        /// Returns a sentence saying what was done, for build logs.
        /// </summary>
        public static string PatchIfNeeded(string libraryPath, string hostLibStdCxx, string version)
        {
            if (hostLibStdCxx == null) return "no host libstdc++.so.6 found; nothing to do for " + libraryPath;
            if (ReadVersionDefinitions(File.ReadAllBytes(hostLibStdCxx)).Contains(version))
                return hostLibStdCxx + " defines " + version + "; " + libraryPath + " left as it is";
            byte[] image = File.ReadAllBytes(libraryPath);
            if (!WeakenVersionNeed(image, version))
                return libraryPath + " has no strong need of " + version + "; left as it is";
            string temporary = libraryPath + ".energizer-patch";
            File.WriteAllBytes(temporary, image);
            File.Copy(temporary, libraryPath, true);
            File.Delete(temporary);
            return "weakened the " + version + " need of " + libraryPath + " (host " + hostLibStdCxx + " lacks it)";
        }

        private struct Section
        {
            public uint Type;
            public long Offset;
            public uint Link;
            public uint Info;
        }

        private static IEnumerable<Section> Sections(byte[] elf)
        {
            CheckHeader(elf);
            long shoff = (long)U64(elf, 0x28);
            ushort shentsize = U16(elf, 0x3A);
            ushort shnum = U16(elf, 0x3C);
            for (int i = 0; i < shnum; i++)
                yield return ReadSection(elf, shoff + (long)i * shentsize);
        }

        private static Section SectionAt(byte[] elf, uint index)
        {
            long shoff = (long)U64(elf, 0x28);
            ushort shentsize = U16(elf, 0x3A);
            ushort shnum = U16(elf, 0x3C);
            if (index >= shnum) throw new InvalidDataException("ELF section link " + index + " is out of range (" + shnum + " sections).");
            return ReadSection(elf, shoff + (long)index * shentsize);
        }

        private static Section ReadSection(byte[] elf, long header)
        {
            Section s;
            s.Type = U32(elf, header + 4);
            s.Offset = (long)U64(elf, header + 0x18);
            s.Link = U32(elf, header + 0x28);
            s.Info = U32(elf, header + 0x2C);
            return s;
        }

        private static void CheckHeader(byte[] elf)
        {
            if (elf.Length < 0x40 || elf[0] != 0x7F || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("Not an ELF file (bad magic bytes).");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("Only 64-bit little-endian ELF files are supported (class " + elf[4] + ", data " + elf[5] + ").");
        }

        private static ushort U16(byte[] b, long o) { Check(b, o, 2); return (ushort)(b[o] | b[o + 1] << 8); }

        private static uint U32(byte[] b, long o) { Check(b, o, 4); return (uint)(b[o] | b[o + 1] << 8 | b[o + 2] << 16 | b[o + 3] << 24); }

        private static ulong U64(byte[] b, long o) { return U32(b, o) | (ulong)U32(b, o + 4) << 32; }

        private static void Check(byte[] b, long o, int size)
        {
            if (o < 0 || o + size > b.Length)
                throw new InvalidDataException("ELF structure at offset " + o + " runs past the end of the file (" + b.Length + " bytes).");
        }

        private static string CString(byte[] b, long o)
        {
            long end = o;
            while (end < b.Length && b[end] != 0) end++;
            if (end >= b.Length) throw new InvalidDataException("ELF string at offset " + o + " is not terminated.");
            return Encoding.ASCII.GetString(b, (int)o, (int)(end - o));
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
