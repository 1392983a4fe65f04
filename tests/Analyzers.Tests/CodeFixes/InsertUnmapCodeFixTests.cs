using Verify = PtLock.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<PtLock.Analyzers.Rules.PteMapUnmapPairingAnalyzer, PtLock.CodeFixes.InsertUnmapCodeFix>;

namespace PtLock.Analyzers.Tests.CodeFixes;

public class InsertUnmapCodeFixTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.PgtableGeneric;

        """;

    [Fact]
    public Task UnmapsBeforeTheLeakingReturn() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            static bool AnyPresent(Pmd pmd, ulong addr)
            {
                var pte = PteOffsetMap(pmd, addr);
                if (pte == null)
                    return false;
                if (PtePresent(PtepGet(pte)))
                    [|return true;|]
                PteUnmap(pte);
                return false;
            }
        }
        """, Usings + """
        static class K
        {
            static bool AnyPresent(Pmd pmd, ulong addr)
            {
                var pte = PteOffsetMap(pmd, addr);
                if (pte == null)
                    return false;
                if (PtePresent(PtepGet(pte)))
                {
                    PteUnmap(pte);
                    return true;
                }
                PteUnmap(pte);
                return false;
            }
        }
        """, withRuntime: true);

    [Fact] // the locking walker: unmap and unlock together
    public Task UnmapsAndUnlocks() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
            {
                var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
                if (pte == null)
                    return;
                if (!PteNone(PtepGet(pte)))
                    [|return;|]
                SetPteAt(mm, addr, pte, entry);
                PteUnmapUnlock(pte, ptl);
            }
        }
        """, Usings + """
        static class K
        {
            static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
            {
                var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
                if (pte == null)
                    return;
                if (!PteNone(PtepGet(pte)))
                {
                    PteUnmapUnlock(pte, ptl);
                    return;
                }
                SetPteAt(mm, addr, pte, entry);
                PteUnmapUnlock(pte, ptl);
            }
        }
        """, withRuntime: true);
}
