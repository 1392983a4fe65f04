using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL0011: PTE lock under the PMD lock (threads 000, 004).</summary>
public class NestedPtlWithoutGuardTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.LinuxMm;
        using static PtLock.PgtableGeneric;
        using static PtLock.Spinlock;

        """;

    private static Task Verify(string body) => AllRulesVerifier.VerifyAsync(Usings + "static class K\n{\n" + body + "\n}\n", withRuntime: true);


    [Fact] // taking ptl without comparing it with pml: deadlock when split locks are off
    public Task NestedWithoutGuard() => Verify("""
        static void Retract(Mm mm, Pmd pmd)
        {
            var pml = PmdLock(mm, pmd);
            if (Khugepaged.CheckPmdState(pmd) != ScanResult.Succeed) { SpinUnlock(pml); return; }
            var ptl = PteLockptr(mm, pmd);
            {|PTL0011:SpinLockNested(ptl, SingleDepthNesting)|};
            SpinUnlock(ptl);
            SpinUnlock(pml);
        }
        """);

    [Fact] // compared, but taken with the plain spin_lock: lockdep's recursive-locking report
    public Task GuardedButNotNested() => Verify("""
        static void Retract(Mm mm, Pmd pmd)
        {
            var pml = PmdLock(mm, pmd);
            if (Khugepaged.CheckPmdState(pmd) != ScanResult.Succeed) { SpinUnlock(pml); return; }
            var ptl = PteLockptr(mm, pmd);
            if (ptl != pml)
                {|PTL0011:SpinLock(ptl)|};
            if (ptl != pml)
                SpinUnlock(ptl);
            SpinUnlock(pml);
        }
        """);

    [Fact] // mainline retract_page_tables: compared and nested
    public Task GuardedAndNested() => Verify("""
        static void Retract(Mm mm, Pmd pmd)
        {
            var pml = PmdLock(mm, pmd);
            if (Khugepaged.CheckPmdState(pmd) != ScanResult.Succeed) { SpinUnlock(pml); return; }
            var ptl = PteLockptr(mm, pmd);
            if (ptl != pml)
                SpinLockNested(ptl, SingleDepthNesting);
            if (ptl != pml)
                SpinUnlock(ptl);
            SpinUnlock(pml);
        }
        """);
}
