using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests;

/// <summary>The first seed rules over code written against the runtime: PTL0003, PTL0004, PTL0011.</summary>
public class SeedRuleTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.LinuxMm;
        using static PtLock.PgtableGeneric;
        using static PtLock.Spinlock;

        """;

    private static Task Verify(string body) => AllRulesVerifier.VerifyAsync(Usings + "static class K\n{\n" + body + "\n}\n", withRuntime: true);

    // ---- PTL0004: pte_offset_map* can fail ----

    [Fact]
    public Task MapResultUsedBeforeTheNullTest() => Verify("""
        static PteVal Peek(Pmd pmd, ulong addr)
        {
            var pte = PteOffsetMap(pmd, addr);
            var v = PtepGet({|PTL0004:pte|});
            PteUnmap(pte);
            return v;
        }
        """);

    [Fact]
    public Task MapResultMemberAccessBeforeTheNullTest() => Verify("""
        static int Index(Mm mm, Pmd pmd, ulong addr)
        {
            var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
            int i = {|PTL0004:pte|}.Index;
            if (pte != null)
                PteUnmapUnlock(pte, ptl);
            return i;
        }
        """);

    [Fact]
    public Task NullTestedMapResultIsSilent() => Verify("""
        static PteVal Peek(Pmd pmd, ulong addr)
        {
            var pte = PteOffsetMap(pmd, addr);
            if (pte is null)
                return PteVal.Empty;
            var v = PtepGet(pte);
            PteUnmap(pte);
            return v;
        }
        """);

    [Fact] // mm_find_pmd is [Fallible] too
    public Task FallibleLookup() => Verify("""
        static void Walk(Mm mm, ulong addr)
        {
            var pmd = Rmap.MmFindPmd(mm, addr);
            var pte = PteOffsetMap({|PTL0004:pmd|}, addr);
            if (pte != null)
                PteUnmap(pte);
        }
        """);

    // ---- PTL0003: recheck under the ptl before installing (thread 003) ----

    [Fact] // alloc_set_pte without the pte_none() recheck
    public Task InstallWithoutRecheck() => Verify("""
        static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
        {
            var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
            if (pte == null)
                return;
            {|PTL0003:SetPteAt(mm, addr, pte, entry)|};
            PteUnmapUnlock(pte, ptl);
        }
        """);

    [Fact] // the recheck may compare against the value read before taking the lock
    public Task RecheckWithPteSame() => Verify("""
        static void Upgrade(Mm mm, Pmd pmd, ulong addr, PteVal orig, PteVal entry)
        {
            var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
            if (pte == null)
                return;
            if (PteSame(PtepGet(pte), orig))
                SetPteAt(mm, addr, pte, entry);
            PteUnmapUnlock(pte, ptl);
        }
        """);

    [Fact] // a recheck before the lock was taken does not count
    public Task RecheckBeforeTheLockDoesNotCount() => Verify("""
        static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
        {
            var peek = PteOffsetMap(pmd, addr);
            if (peek == null)
                return;
            bool empty = PteNone(PtepGet(peek));
            PteUnmap(peek);
            if (!empty)
                return;
            var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
            if (pte == null)
                return;
            {|PTL0003:SetPteAt(mm, addr, pte, entry)|};
            PteUnmapUnlock(pte, ptl);
        }
        """);

    // ---- PTL0001: recheck the PMD after taking the PMD lock (threads 000, 004) ----

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

    // ---- PTL0002: pte_lockptr only on a stable PMD (threads 000, 004) ----

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

    // ---- PTL0005: every successful map is unmapped once ----

    [Fact]
    public Task LockLessMapLeakedOnOnePath() => Verify("""
        static bool AnyPresent(Pmd pmd, ulong addr)
        {
            var pte = PteOffsetMap(pmd, addr);
            if (pte == null)
                return false;
            if (PtePresent(PtepGet(pte)))
                {|PTL0005:return true;|}
            PteUnmap(pte);
            return false;
        }
        """);

    [Fact] // unmapped twice: the second unmap leaves an RCU section that is not held
    public Task UnmappedTwice() => Verify("""
        static void Twice(Pmd pmd, ulong addr)
        {
            var pte = PteOffsetMap(pmd, addr);
            if (pte == null)
                return;
            PteUnmap(pte);
            {|PTL1004:PteUnmap(pte)|};
        }
        """);

    // ---- PTL0006: rw_nolock + lock: pmd_same before writing (thread 004) ----

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

    // ---- PTL0010: no use after unmap ----

    [Fact]
    public Task PteReadAfterUnmap() => Verify("""
        static PteVal Late(Pmd pmd, ulong addr)
        {
            var pte = PteOffsetMap(pmd, addr);
            if (pte == null)
                return PteVal.Empty;
            PteUnmap(pte);
            return PtepGet({|PTL0010:pte|});
        }
        """);

    [Fact] // a ptl from a *_nolock map is only good while the table is mapped (or under the PMD lock)
    public Task NolockPtlTakenAfterUnmap() => Verify("""
        static void Late(Mm mm, Pmd pmd, ulong addr)
        {
            var pte = PteOffsetMapRoNolock(mm, pmd, addr, out var ptl);
            if (pte == null)
                return;
            PteUnmap(pte);
            SpinLock({|PTL0010:ptl|});
            SpinUnlock(ptl); // releasing a lock that is held is fine
        }
        """);

    [Fact] // a fresh map gives a fresh pointer
    public Task RemapIsFine() => Verify("""
        static PteVal Twice(Pmd pmd, ulong addr)
        {
            var pte = PteOffsetMap(pmd, addr);
            if (pte == null)
                return PteVal.Empty;
            PteUnmap(pte);
            pte = PteOffsetMap(pmd, addr);
            if (pte == null)
                return PteVal.Empty;
            var v = PtepGet(pte);
            PteUnmap(pte);
            return v;
        }
        """);

    // ---- PTL0011: PTE lock under the PMD lock (threads 000, 004) ----

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
