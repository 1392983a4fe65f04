using Verify = PtLock.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<PtLock.Analyzers.Rules.PublishedTableFreedNowAnalyzer, PtLock.CodeFixes.DeferTableFreeCodeFix>;

namespace PtLock.Analyzers.Tests.CodeFixes;

public class DeferTableFreeCodeFixTests
{
    [Fact] // a table taken out of a PMD (pmd_pgtable) is freed through RCU
    public Task DefersTheFreeOfATableFromAPmd() => Verify.VerifyCodeFixAsync("""
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.PgAlloc;
        using static PtLock.PgtableGeneric;
        static class K
        {
            static void Detach(Mm mm, Vma vma, Pmd pmd, ulong addr)
            {
                var pml = LinuxMm.PmdLock(mm, pmd);
                var old = PmdpCollapseFlush(vma, addr, pmd);
                Spinlock.SpinUnlock(pml);
                [|PteFree(mm, PmdPgtable(mm, old))|];
            }
        }
        """, """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.PgAlloc;
        using static PtLock.PgtableGeneric;
        static class K
        {
            static void Detach(Mm mm, Vma vma, Pmd pmd, ulong addr)
            {
                var pml = LinuxMm.PmdLock(mm, pmd);
                var old = PmdpCollapseFlush(vma, addr, pmd);
                Spinlock.SpinUnlock(pml);
                PteFreeDefer(mm, PmdPgtable(mm, old));
            }
        }
        """, withRuntime: true);

    [Fact] // a table this path installed, then tore down again; qualified when not imported
    public Task DefersTheFreeOfATableThisPathInstalled() => Verify.VerifyCodeFixAsync("""
        using PtLock;
        static class K
        {
            static void InstallAndDrop(Mm mm, Pmd pmd)
            {
                var table = PgAlloc.PteAllocOne(mm);
                if (table == null)
                    return;
                var pml = LinuxMm.PmdLock(mm, pmd);
                Pgtable.PmdPopulate(mm, pmd, table);
                Pgtable.PmdClear(pmd);
                Spinlock.SpinUnlock(pml);
                [|PgAlloc.PteFree(mm, table)|];
            }
        }
        """, """
        using PtLock;
        static class K
        {
            static void InstallAndDrop(Mm mm, Pmd pmd)
            {
                var table = PgAlloc.PteAllocOne(mm);
                if (table == null)
                    return;
                var pml = LinuxMm.PmdLock(mm, pmd);
                Pgtable.PmdPopulate(mm, pmd, table);
                Pgtable.PmdClear(pmd);
                Spinlock.SpinUnlock(pml);
                PgtableGeneric.PteFreeDefer(mm, table);
            }
        }
        """, withRuntime: true);

    [Fact] // never installed: pte_free is right (the __pte_alloc loser)
    public Task FreeingAPrivateTableIsFine() => Verify.VerifyCodeFixAsync("""
        using PtLock;
        static class K
        {
            static void Loser(Mm mm)
            {
                var table = PgAlloc.PteAllocOne(mm);
                if (table != null)
                    PgAlloc.PteFree(mm, table);
            }
        }
        """, """
        using PtLock;
        static class K
        {
            static void Loser(Mm mm)
            {
                var table = PgAlloc.PteAllocOne(mm);
                if (table != null)
                    PgAlloc.PteFree(mm, table);
            }
        }
        """, withRuntime: true);
}
