using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL0006: rw_nolock + lock: pmd_same before writing (thread 004).</summary>
public class RwNolockRecheckTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.LinuxMm;
        using static PtLock.PgtableGeneric;
        using static PtLock.Spinlock;

        """;

    private static Task Verify(string body) => AllRulesVerifier.VerifyAsync(Usings + "static class K\n{\n" + body + "\n}\n", withRuntime: true);


    [Fact] // pte_none cannot tell a detached table from a live one
    public Task RwNolockWithOnlyPteNone() => Verify("""
        static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
        {
            var pte = PteOffsetMapRwNolock(mm, pmd, addr, out var pmdval, out var ptl);
            if (pte == null)
                return;
            SpinLock(ptl);
            if (PteNone(PtepGet(pte)))
                {|PTL0006:SetPteAt(mm, addr, pte, entry)|};
            PteUnmapUnlock(pte, ptl);
        }
        """);

    [Fact] // the pmd_same recheck against the value the map used
    public Task RwNolockWithPmdSame() => Verify("""
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
        """);

    [Fact] // a pte_same against the non-none value read before the lock is enough too
    public Task RwNolockWithPteSame() => Verify("""
        static void Upgrade(Mm mm, Pmd pmd, ulong addr, PteVal entry)
        {
            var pte = PteOffsetMapRwNolock(mm, pmd, addr, out _, out var ptl);
            if (pte == null)
                return;
            var orig = PtepGetLockless(pte);
            SpinLock(ptl);
            if (PteSame(PtepGet(pte), orig))
                SetPteAt(mm, addr, pte, entry);
            PteUnmapUnlock(pte, ptl);
        }
        """);

    [Fact] // the recheck counts only where it passed: writing on the branch where pmd_same failed is the bug
    public Task RwNolockWriteWherePmdSameFailed() => Verify("""
        static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
        {
            var pte = PteOffsetMapRwNolock(mm, pmd, addr, out var pmdval, out var ptl);
            if (pte == null)
                return;
            SpinLock(ptl);
            if (!PmdSame(pmdval, PmdpGetLockless(pmd)))
                {|PTL0006:SetPteAt(mm, addr, pte, entry)|};
            PteUnmapUnlock(pte, ptl);
        }
        """);

    [Fact] // bail out where it failed, write after: the kernel's "goto out" shape; a stored result works too
    public Task RwNolockBailsOutWherePmdSameFailed() => Verify("""
        static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
        {
            var pte = PteOffsetMapRwNolock(mm, pmd, addr, out var pmdval, out var ptl);
            if (pte == null)
                return;
            SpinLock(ptl);
            bool same = PmdSame(pmdval, PmdpGetLockless(pmd));
            if (!same)
            {
                PteUnmapUnlock(pte, ptl);
                return;
            }
            SetPteAt(mm, addr, pte, entry);
            PteUnmapUnlock(pte, ptl);
        }
        """);

    [Fact] // pte_same failing means the entry changed: the write there is not rechecked (PTL0003)
    public Task PteSameFailedIsNoRecheck() => Verify("""
        static void Upgrade(Mm mm, Pmd pmd, ulong addr, PteVal orig, PteVal entry)
        {
            var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
            if (pte == null)
                return;
            if (PteSame(PtepGet(pte), orig))
            {
                PteUnmapUnlock(pte, ptl);
                return;
            }
            {|PTL0003:SetPteAt(mm, addr, pte, entry)|};
            PteUnmapUnlock(pte, ptl);
        }
        """);
}
