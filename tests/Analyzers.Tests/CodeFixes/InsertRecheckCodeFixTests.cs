using Verify = PtLock.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<PtLock.Analyzers.Rules.PteRecheckUnderPtlAnalyzer, PtLock.CodeFixes.InsertRecheckCodeFix>;

namespace PtLock.Analyzers.Tests.CodeFixes;

public class InsertRecheckCodeFixTests
{
    [Fact] // with the kernel names imported
    public Task GuardsTheInstallWithTheRecheck() => Verify.VerifyCodeFixAsync("""
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.PgtableGeneric;
        static class K
        {
            static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
            {
                var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
                if (pte == null)
                    return;
                [|SetPteAt(mm, addr, pte, entry)|];
                PteUnmapUnlock(pte, ptl);
            }
        }
        """, """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.PgtableGeneric;
        static class K
        {
            static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
            {
                var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
                if (pte == null)
                    return;
                if (PteNone(PtepGet(pte)))
                    SetPteAt(mm, addr, pte, entry);
                PteUnmapUnlock(pte, ptl);
            }
        }
        """, withRuntime: true);

    [Fact] // without "using static": the helpers are qualified
    public Task QualifiesWhenNotImported() => Verify.VerifyCodeFixAsync("""
        using PtLock;
        static class K
        {
            static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
            {
                var pte = PgtableGeneric.PteOffsetMapLock(mm, pmd, addr, out var ptl);
                if (pte == null)
                    return;
                [|Pgtable.SetPteAt(mm, addr, pte, entry)|];
                PgtableGeneric.PteUnmapUnlock(pte, ptl);
            }
        }
        """, """
        using PtLock;
        static class K
        {
            static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
            {
                var pte = PgtableGeneric.PteOffsetMapLock(mm, pmd, addr, out var ptl);
                if (pte == null)
                    return;
                if (Pgtable.PteNone(Pgtable.PtepGet(pte)))
                    Pgtable.SetPteAt(mm, addr, pte, entry);
                PgtableGeneric.PteUnmapUnlock(pte, ptl);
            }
        }
        """, withRuntime: true);
}
