using Verify = PtLock.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<PtLock.Analyzers.Rules.RwNolockRecheckAnalyzer, PtLock.CodeFixes.InsertPmdSameRecheckCodeFix>;

namespace PtLock.Analyzers.Tests.CodeFixes;

public class InsertPmdSameRecheckCodeFixTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.PgtableGeneric;
        using static PtLock.Spinlock;

        """;

    [Fact] // the pte_none guard gets pmd_same as its first conjunct (thread 004's fix)
    public Task JoinsTheExistingGuard() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
            {
                var pte = PteOffsetMapRwNolock(mm, pmd, addr, out var pmdval, out var ptl);
                if (pte == null)
                    return;
                SpinLock(ptl);
                if (PteNone(PtepGet(pte)))
                    [|SetPteAt(mm, addr, pte, entry)|];
                PteUnmapUnlock(pte, ptl);
            }
        }
        """, Usings + """
        static class K
        {
            static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
            {
                var pte = PteOffsetMapRwNolock(mm, pmd, addr, out var pmdval, out var ptl);
                if (pte == null)
                    return;
                SpinLock(ptl);
                if (PmdSame(pmdval, PmdpGetLockless(pmd)) && PteNone(PtepGet(pte)))
                    SetPteAt(mm, addr, pte, entry);
                PteUnmapUnlock(pte, ptl);
            }
        }
        """, withRuntime: true);

    [Fact] // an || guard keeps its meaning inside parentheses
    public Task ParenthesizesALooserGuard() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry, bool force)
            {
                var pte = PteOffsetMapRwNolock(mm, pmd, addr, out var pmdval, out var ptl);
                if (pte == null)
                    return;
                SpinLock(ptl);
                if (force || PteNone(PtepGet(pte)))
                    [|SetPteAt(mm, addr, pte, entry)|];
                PteUnmapUnlock(pte, ptl);
            }
        }
        """, Usings + """
        static class K
        {
            static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry, bool force)
            {
                var pte = PteOffsetMapRwNolock(mm, pmd, addr, out var pmdval, out var ptl);
                if (pte == null)
                    return;
                SpinLock(ptl);
                if (PmdSame(pmdval, PmdpGetLockless(pmd)) && (force || PteNone(PtepGet(pte))))
                    SetPteAt(mm, addr, pte, entry);
                PteUnmapUnlock(pte, ptl);
            }
        }
        """, withRuntime: true);

    [Fact] // an unguarded write is wrapped; Fix All fixes every method; helpers qualified when not imported
    public Task WrapsUnguardedWritesWithFixAll() => Verify.VerifyCodeFixAsync("""
        using PtLock;
        static class K
        {
            static void InstallA(Mm mm, Pmd pmd, ulong addr, PteVal entry)
            {
                var pte = PgtableGeneric.PteOffsetMapRwNolock(mm, pmd, addr, out var pmdval, out var ptl);
                if (pte == null)
                    return;
                Spinlock.SpinLock(ptl);
                [|Pgtable.SetPteAt(mm, addr, pte, entry)|];
                PgtableGeneric.PteUnmapUnlock(pte, ptl);
            }

            static void InstallB(Mm mm, Pmd pmd, ulong addr, PteVal entry)
            {
                var pte = PgtableGeneric.PteOffsetMapRwNolock(mm, pmd, addr, out var pmdval, out var ptl);
                if (pte == null)
                    return;
                Spinlock.SpinLock(ptl);
                [|Pgtable.SetPteAt(mm, addr, pte, entry)|];
                PgtableGeneric.PteUnmapUnlock(pte, ptl);
            }
        }
        """, """
        using PtLock;
        static class K
        {
            static void InstallA(Mm mm, Pmd pmd, ulong addr, PteVal entry)
            {
                var pte = PgtableGeneric.PteOffsetMapRwNolock(mm, pmd, addr, out var pmdval, out var ptl);
                if (pte == null)
                    return;
                Spinlock.SpinLock(ptl);
                if (Pgtable.PmdSame(pmdval, Pgtable.PmdpGetLockless(pmd)))
                    Pgtable.SetPteAt(mm, addr, pte, entry);
                PgtableGeneric.PteUnmapUnlock(pte, ptl);
            }

            static void InstallB(Mm mm, Pmd pmd, ulong addr, PteVal entry)
            {
                var pte = PgtableGeneric.PteOffsetMapRwNolock(mm, pmd, addr, out var pmdval, out var ptl);
                if (pte == null)
                    return;
                Spinlock.SpinLock(ptl);
                if (Pgtable.PmdSame(pmdval, Pgtable.PmdpGetLockless(pmd)))
                    Pgtable.SetPteAt(mm, addr, pte, entry);
                PgtableGeneric.PteUnmapUnlock(pte, ptl);
            }
        }
        """, withRuntime: true);

    [Fact] // the PMD value was discarded: there is nothing to compare against, so no fix is offered
    public Task NoFixWhenThePmdValueIsDiscarded()
    {
        const string code = Usings + """
            static class K
            {
                static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
                {
                    var pte = PteOffsetMapRwNolock(mm, pmd, addr, out _, out var ptl);
                    if (pte == null)
                        return;
                    SpinLock(ptl);
                    if (PteNone(PtepGet(pte)))
                        [|SetPteAt(mm, addr, pte, entry)|];
                    PteUnmapUnlock(pte, ptl);
                }
            }
            """;
        return Verify.VerifyCodeFixAsync(code, code, withRuntime: true);
    }
}
