using System.Text;

namespace Energizer.ML.Tests.Foundation;

/// <summary>
/// Builds a small, structurally valid ELF64 little-endian image with a dynamic string table and
/// a version-needs section (and optionally a version-definitions section), laid out as:
/// [ELF header 64][.dynstr][.gnu.version_r][.gnu.version_d][section headers].
/// </summary>
internal static class ElfFixture
{
    public const int VernauxSize = 16;

    /// <param name="needs">One (file, versions) pair per Verneed entry.</param>
    /// <param name="definitions">Version names for a Verdef section, or empty for none.</param>
    /// <param name="weak">Version names whose need starts out weak.</param>
    public static byte[] Build(
        (string File, string[] Versions)[] needs, string[] definitions, params string[] weak)
    {
        var strings = new List<byte> { 0 };
        int Str(string s)
        {
            int at = strings.Count;
            strings.AddRange(Encoding.ASCII.GetBytes(s));
            strings.Add(0);
            return at;
        }

        var verneed = new List<byte>();
        for (int i = 0; i < needs.Length; i++)
        {
            var (file, versions) = needs[i];
            int entrySize = 16 + (versions.Length * VernauxSize);
            Put16(verneed, 1);                              // vn_version
            Put16(verneed, (ushort)versions.Length);        // vn_cnt
            Put32(verneed, (uint)Str(file));                // vn_file
            Put32(verneed, 16);                             // vn_aux: right after this entry
            Put32(verneed, i == needs.Length - 1 ? 0u : (uint)entrySize); // vn_next
            for (int j = 0; j < versions.Length; j++)
            {
                Put32(verneed, 0x0ABCDEF0u + (uint)j);      // vna_hash (any value; the loader's concern)
                Put16(verneed, weak.Contains(versions[j]) ? (ushort)2 : (ushort)0); // vna_flags
                Put16(verneed, (ushort)(10 + j));           // vna_other
                Put32(verneed, (uint)Str(versions[j]));     // vna_name
                Put32(verneed, j == versions.Length - 1 ? 0u : VernauxSize); // vna_next
            }
        }

        var verdef = new List<byte>();
        for (int i = 0; i < definitions.Length; i++)
        {
            Put16(verdef, 1);                               // vd_version
            Put16(verdef, 0);                               // vd_flags
            Put16(verdef, (ushort)(i + 1));                 // vd_ndx
            Put16(verdef, 1);                               // vd_cnt
            Put32(verdef, 0);                               // vd_hash
            Put32(verdef, 20);                              // vd_aux
            Put32(verdef, i == definitions.Length - 1 ? 0u : 28u); // vd_next
            Put32(verdef, (uint)Str(definitions[i]));       // vda_name
            Put32(verdef, 0);                               // vda_next
        }

        int dynstrOffset = 64;
        int verneedOffset = dynstrOffset + strings.Count;
        int verdefOffset = verneedOffset + verneed.Count;
        int shoff = verdefOffset + verdef.Count;
        int shnum = definitions.Length > 0 ? 4 : 3;

        var image = new List<byte>();
        image.AddRange([0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0]);
        image.AddRange(new byte[8]);
        Put16(image, 3);           // e_type: ET_DYN
        Put16(image, 62);          // e_machine: x86-64
        Put32(image, 1);           // e_version
        Put64(image, 0);           // e_entry
        Put64(image, 0);           // e_phoff
        Put64(image, (ulong)shoff);
        Put32(image, 0);           // e_flags
        Put16(image, 64);          // e_ehsize
        Put16(image, 56);          // e_phentsize
        Put16(image, 0);           // e_phnum
        Put16(image, 64);          // e_shentsize
        Put16(image, (ushort)shnum);
        Put16(image, 0);           // e_shstrndx (no names needed)
        image.AddRange(strings);
        image.AddRange(verneed);
        image.AddRange(verdef);

        Section(image, 0, 0, 0, 0, 0);                                        // SHT_NULL
        Section(image, 3, dynstrOffset, strings.Count, 0, 0);                 // .dynstr (SHT_STRTAB)
        Section(image, 0x6ffffffe, verneedOffset, verneed.Count, 1, (uint)needs.Length);
        if (definitions.Length > 0)
            Section(image, 0x6ffffffd, verdefOffset, verdef.Count, 1, (uint)definitions.Length);
        return [.. image];
    }

    private static void Section(List<byte> b, uint type, long offset, long size, uint link, uint info)
    {
        Put32(b, 0);               // sh_name
        Put32(b, type);
        Put64(b, 0);               // sh_flags
        Put64(b, 0);               // sh_addr
        Put64(b, (ulong)offset);
        Put64(b, (ulong)size);
        Put32(b, link);
        Put32(b, info);
        Put64(b, 1);               // sh_addralign
        Put64(b, 0);               // sh_entsize
    }

    private static void Put16(List<byte> b, ushort v) => b.AddRange(BitConverter.GetBytes(v));

    private static void Put32(List<byte> b, uint v) => b.AddRange(BitConverter.GetBytes(v));

    private static void Put64(List<byte> b, ulong v) => b.AddRange(BitConverter.GetBytes(v));
}
