using System.Text;

namespace PtLock.Benchmarks.Analyzers;

/// <summary>
/// Writes mm-style C# against the PtLock runtime: half of the methods (three templates of six) call annotated API
/// (map-lock-write, the PMD/PTE nested-lock pattern, RCU walks), the rest is plain C# (loops, arithmetic,
/// collections) that the pre-filter should skip for free. Most of it is correct, as analysed code mostly is;
/// a few methods carry a seed bug so that reporting is measured too.
/// </summary>
internal static class CorpusGenerator
{
    private const string Header = """
        using System;
        using System.Collections.Generic;
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.LinuxMm;
        using static PtLock.PgtableGeneric;
        using static PtLock.Spinlock;

        """;

    public static List<(string Name, string Text)> Generate(int targetLines, int linesPerFile = 300)
    {
        var files = new List<(string, string)>();
        int lines = 0, method = 0;
        while (lines < targetLines)
        {
            var sb = new StringBuilder(Header);
            sb.Append("namespace Corpus").Append(files.Count).AppendLine(";").AppendLine("static class Ops").AppendLine("{");
            int fileLines = 12;
            while (fileLines < linesPerFile)
            {
                string body = (method % 6) switch
                {
                    0 => MapLockWrite(method),
                    1 => NestedPtl(method),
                    2 => Plain(method),
                    3 => PlainCollections(method),
                    4 => RcuWalk(method),
                    _ => PlainArithmetic(method),
                };
                sb.Append(body);
                fileLines += body.Count(c => c == '\n');
                method++;
            }
            sb.AppendLine("}");
            files.Add(($"Corpus{files.Count}.cs", sb.ToString()));
            lines += fileLines + 1;
        }
        return files;
    }

    private static string MapLockWrite(int i) => $$"""
            public static bool Install{{i}}(Mm mm, Pmd pmd, ulong addr, PteVal entry)
            {
                var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
                if (pte == null)
                    return false;
                bool installed = false;
                if (PteNone(PtepGet(pte)))
                {
                    SetPteAt(mm, addr, pte, entry);
                    installed = true;
                }
                PteUnmapUnlock(pte, ptl);
                return installed;
            }

        """;

    // One nested-lock method in eight tests the PMD under its lock without comparing it with what was seen
    // before (PTL0001's bug, threads 000/004), so that reporting stays on the measured path; the rest are
    // written as mainline does, as most code under analysis is.
    private static string NestedPtl(int i) => i / 6 % 8 == 0
        ? Retract(i, decide: "", recheck: "PmdpGet(pmd).IsTable")
        : Retract(i, decide: """
                    var seen = PmdpGetLockless(pmd);
                    if (!seen.IsTable)
                        return;

            """, recheck: "PmdSame(seen, PmdpGet(pmd))");

    /// <summary>retract_page_tables' shape: whatever decided to act, then the PMD lock, the recheck, the nested ptl.</summary>
    private static string Retract(int i, string decide, string recheck) => $$"""
            public static void Retract{{i}}(Mm mm, Pmd pmd)
            {

        """ + decide + $$"""
                var pml = PmdLock(mm, pmd);
                if (!{{recheck}})
                {
                    SpinUnlock(pml);
                    return;
                }
                var ptl = PteLockptr(mm, pmd);
                if (ptl != pml)
                    SpinLockNested(ptl, SingleDepthNesting);
                PmdClear(pmd);
                if (ptl != pml)
                    SpinUnlock(ptl);
                SpinUnlock(pml);
            }

        """;

    private static string RcuWalk(int i) => $$"""
            public static int Count{{i}}(Pmd pmd, ulong addr)
            {
                var pte = PteOffsetMap(pmd, addr);
                if (pte == null)
                    return 0;
                int present = 0;
                var start = pte - pte.Index;
                for (int k = 0; k < 512; k += 8)
                    if (PtePresent(PtepGet(start + k)))
                        present++;
                PteUnmap(pte);
                return present;
            }

        """;

    private static string Plain(int i) => $$"""
            public static int Sum{{i}}(int[] data)
            {
                int total = 0;
                for (int k = 0; k < data.Length; k++)
                {
                    if (data[k] % 3 == 0)
                        continue;
                    total += data[k] * {{i % 7 + 1}};
                }
                return total;
            }

        """;

    private static string PlainCollections(int i) => $$"""
            public static Dictionary<string, int> Histogram{{i}}(IEnumerable<string> words)
            {
                var counts = new Dictionary<string, int>();
                foreach (var w in words)
                {
                    counts.TryGetValue(w, out int n);
                    counts[w] = n + 1;
                }
                return counts;
            }

        """;

    private static string PlainArithmetic(int i) => $$"""
            public static ulong Align{{i}}(ulong addr, ulong size)
            {
                ulong mask = size - 1;
                ulong aligned = (addr + mask) & ~mask;
                return aligned > addr ? aligned : addr + {{i % 5}};
            }

        """;
}
