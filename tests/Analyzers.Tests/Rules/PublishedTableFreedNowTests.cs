using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL0007: a table that was installed in a PMD is freed through RCU (thread 004).</summary>
public class PublishedTableFreedNowTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.LinuxMm;
        using static PtLock.PgAlloc;
        using static PtLock.PgtableGeneric;
        using static PtLock.Spinlock;

        """;

    private static Task Verify(string body) => AllRulesVerifier.VerifyAsync(Usings + "static class K\n{\n" + body + "\n}\n", withRuntime: true);

    [Fact] // a table taken out of a PMD value
    public Task TableFromAPmdFreedAtOnce() => Verify("""
        static void Drop(Vma vma, Pmd pmd, ulong addr)
        {
            var mm = vma.Mm;
            var pml = PmdLock(vma.Mm, pmd);
            if (Khugepaged.CheckPmdState(pmd) != ScanResult.Succeed)
            {
                SpinUnlock(pml);
                return;
            }
            var old = PmdpCollapseFlush(vma, addr, pmd);
            SpinUnlock(pml);
            {|PTL0007:PteFree(mm, PmdPgtable(mm, old))|};
        }
        """);

    [Fact] // a table this path installed and detached again
    public Task TableThisPathInstalledFreedAtOnce() => Verify("""
        static void InstallAndDrop(Mm mm, Pmd pmd)
        {
            var table = PteAllocOne(mm);
            if (table == null)
                return;
            var pml = PmdLock(mm, pmd);
            if (PmdNone(PmdpGet(pmd)))
                PmdPopulate(mm, pmd, table);
            PmdClear(pmd);
            SpinUnlock(pml);
            {|PTL0007:PteFree(mm, table)|};
        }
        """);

    [Fact] // the loser of the __pte_alloc race was never installed: pte_free is right
    public Task NeverInstalledTableFreedAtOnceIsSilent() => Verify("""
        static void Lose(Mm mm)
        {
            var table = PteAllocOne(mm);
            if (table != null)
                PteFree(mm, table);
        }
        """);

    [Fact] // the RCU-deferred free is the fix
    public Task DeferredFreeIsSilent() => Verify("""
        static void Drop(Vma vma, Pmd pmd, ulong addr)
        {
            var mm = vma.Mm;
            var pml = PmdLock(vma.Mm, pmd);
            if (Khugepaged.CheckPmdState(pmd) != ScanResult.Succeed)
            {
                SpinUnlock(pml);
                return;
            }
            var old = PmdpCollapseFlush(vma, addr, pmd);
            SpinUnlock(pml);
            PteFreeDefer(mm, PmdPgtable(mm, old));
        }
        """);
}
