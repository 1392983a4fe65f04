using Verify = PtLock.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<PtLock.Analyzers.Rules.PmdRecheckAfterLockAnalyzer, PtLock.CodeFixes.InsertPmdRecheckCodeFix>;

namespace PtLock.Analyzers.Tests.CodeFixes;

public class InsertPmdRecheckCodeFixTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.LinuxMm;
        using static PtLock.Pgtable;
        using static PtLock.Spinlock;

        """;

    [Fact] // pmd_install's shape: populate only a PMD that is still none under the lock
    public Task PopulateGetsThePmdNoneRecheck() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            static void Install(Mm mm, Pmd pmd, PteTable table)
            {
                if (!PmdNone(PmdpGetLockless(pmd)))
                    return;
                var pml = PmdLock(mm, pmd);
                [|PmdPopulate(mm, pmd, table)|];
                SpinUnlock(pml);
            }
        }
        """, Usings + """
        static class K
        {
            static void Install(Mm mm, Pmd pmd, PteTable table)
            {
                if (!PmdNone(PmdpGetLockless(pmd)))
                    return;
                var pml = PmdLock(mm, pmd);
                if (PmdNone(PmdpGet(pmd)))
                    PmdPopulate(mm, pmd, table);
                SpinUnlock(pml);
            }
        }
        """, withRuntime: true);

    [Fact] // clearing a PMD: pmd_same against the snapshot the decision used, joined to the existing guard; Fix All
    public Task ClearGetsPmdSameAgainstTheSnapshotWithFixAll() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            static void Clear(Mm mm, Pmd pmd, ulong addr, bool really)
            {
                var seen = PmdpGetLockless(pmd);
                if (!PmdTransHuge(seen))
                    return;
                var pml = PmdLock(mm, pmd);
                if (really)
                    [|PmdpGetAndClear(mm, addr, pmd)|];
                SpinUnlock(pml);
            }

            static void Populate(Mm mm, Pmd pmd, PteTable table)
            {
                var pml = PmdLock(mm, pmd);
                [|PmdPopulate(mm, pmd, table)|];
                SpinUnlock(pml);
            }
        }
        """, Usings + """
        static class K
        {
            static void Clear(Mm mm, Pmd pmd, ulong addr, bool really)
            {
                var seen = PmdpGetLockless(pmd);
                if (!PmdTransHuge(seen))
                    return;
                var pml = PmdLock(mm, pmd);
                if (PmdSame(seen, PmdpGet(pmd)) && really)
                    PmdpGetAndClear(mm, addr, pmd);
                SpinUnlock(pml);
            }

            static void Populate(Mm mm, Pmd pmd, PteTable table)
            {
                var pml = PmdLock(mm, pmd);
                if (PmdNone(PmdpGet(pmd)))
                    PmdPopulate(mm, pmd, table);
                SpinUnlock(pml);
            }
        }
        """, withRuntime: true);

    [Fact] // nothing was read from the PMD before: no value to compare against, so no fix is offered
    public Task NoFixWithoutASnapshot()
    {
        const string code = Usings + """
            static class K
            {
                static void Clear(Mm mm, Pmd pmd, ulong addr)
                {
                    var pml = PmdLock(mm, pmd);
                    [|PmdpGetAndClear(mm, addr, pmd)|];
                    SpinUnlock(pml);
                }
            }
            """;
        return Verify.VerifyCodeFixAsync(code, code, withRuntime: true);
    }

    [Fact] // thread 004's shape: the snapshot is the PMD value the rw_nolock walker mapped the table from
    public Task ClearGetsPmdSameAgainstTheWalkersSnapshot() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            static void Drop(Mm mm, Pmd pmd, ulong addr)
            {
                var pte = PgtableGeneric.PteOffsetMapRwNolock(mm, pmd, addr, out var pmdval, out var ptl);
                if (pte == null)
                    return;
                PgtableGeneric.PteUnmap(pte);
                var pml = PmdLock(mm, pmd);
                [|PmdClear(pmd)|];
                SpinUnlock(pml);
            }
        }
        """, Usings + """
        static class K
        {
            static void Drop(Mm mm, Pmd pmd, ulong addr)
            {
                var pte = PgtableGeneric.PteOffsetMapRwNolock(mm, pmd, addr, out var pmdval, out var ptl);
                if (pte == null)
                    return;
                PgtableGeneric.PteUnmap(pte);
                var pml = PmdLock(mm, pmd);
                if (PmdSame(pmdval, PmdpGet(pmd)))
                    PmdClear(pmd);
                SpinUnlock(pml);
            }
        }
        """, withRuntime: true);
}
