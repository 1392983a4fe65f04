using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL0001: recheck the PMD after taking the PMD lock (threads 000, 004).</summary>
public class PmdRecheckAfterLockTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.LinuxMm;
        using static PtLock.PgtableGeneric;
        using static PtLock.Spinlock;

        """;

    private static Task Verify(string body) => AllRulesVerifier.VerifyAsync(Usings + "static class K\n{\n" + body + "\n}\n", withRuntime: true);


    [Fact] // a lockless look before the lock does not count
    public Task PopulateAfterALocklessLookOnly() => Verify("""
        static void Install(Mm mm, Pmd pmd, PteTable table)
        {
            if (!PmdNone(PmdpGetLockless(pmd)))
                return;
            var pml = PmdLock(mm, pmd);
            {|PTL0001:PmdPopulate(mm, pmd, table)|};
            SpinUnlock(pml);
        }
        """);

    [Fact] // pmd_install: recheck pmd_none under the lock
    public Task PopulateAfterTheRecheck() => Verify("""
        static bool Install(Mm mm, Pmd pmd, PteTable table)
        {
            var pml = PmdLock(mm, pmd);
            bool installed = false;
            if (PmdNone(PmdpGet(pmd)))
            {
                PmdPopulate(mm, pmd, table);
                installed = true;
            }
            SpinUnlock(pml);
            return installed;
        }
        """);

    [Fact] // pmd_clear names no lock: the PMD lock held for that entry is the one that must have been rechecked
    public Task ClearWithoutRecheckUnderThePmdLock() => Verify("""
        static void Drop(Mm mm, Pmd pmd)
        {
            var pml = PmdLock(mm, pmd);
            {|PTL0001:PmdClear(pmd)|};
            SpinUnlock(pml);
        }
        """);

    [Fact]
    public Task ClearAfterTheStateRecheck() => Verify("""
        static void Drop(Mm mm, Pmd pmd)
        {
            var pml = PmdLock(mm, pmd);
            if (Khugepaged.CheckPmdState(pmd) == ScanResult.Succeed)
                PmdClear(pmd);
            SpinUnlock(pml);
        }
        """);
}
