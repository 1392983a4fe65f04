using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL0002: pte_lockptr only on a stable PMD (threads 000, 004).</summary>
public class PteLockptrUnstablePmdTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.LinuxMm;
        using static PtLock.PgtableGeneric;
        using static PtLock.Spinlock;

        """;

    private static Task Verify(string body) => AllRulesVerifier.VerifyAsync(Usings + "static class K\n{\n" + body + "\n}\n", withRuntime: true);


    [Fact] // retract_page_tables before the PT-reclaim series: looked without the lock, used after taking it
    public Task PteLockptrWithoutRecheck() => Verify("""
        static void Retract(Mm mm, ulong addr)
        {
            if (Khugepaged.FindPmdOrThpOrNone(mm, addr, out var pmd) != ScanResult.Succeed || pmd == null)
                return;
            var pml = PmdLock(mm, pmd);
            var ptl = {|PTL0002:PteLockptr(mm, pmd)|};
            if (ptl != pml)
                SpinLockNested(ptl, SingleDepthNesting);
            if (ptl != pml)
                SpinUnlock(ptl);
            SpinUnlock(pml);
        }
        """);

    [Fact] // without the PMD lock at all
    public Task PteLockptrWithoutThePmdLock() => Verify("""
        static Ptl Lock(Mm mm, Pmd pmd) => {|PTL0002:PteLockptr(mm, pmd)|};
        """);

    [Fact] // mainline: the state recheck under the PMD lock makes the PMD stable
    public Task PteLockptrAfterTheRecheck() => Verify("""
        static void Retract(Mm mm, Pmd pmd)
        {
            var pml = PmdLock(mm, pmd);
            if (Khugepaged.CheckPmdState(pmd) != ScanResult.Succeed)
            {
                SpinUnlock(pml);
                return;
            }
            var ptl = PteLockptr(mm, pmd);
            if (ptl != pml)
                SpinLockNested(ptl, SingleDepthNesting);
            if (ptl != pml)
                SpinUnlock(ptl);
            SpinUnlock(pml);
        }
        """);

    [Fact] // a snapshot is stable by construction
    public Task PteLockptrOnASnapshot() => Verify("""
        static Ptl Lock(Mm mm, Pmd pmd)
        {
            var pmdval = PmdpGetLockless(pmd);
            return PteLockptr(mm, pmdval);
        }
        """);
}
