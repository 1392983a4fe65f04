using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests;

/// <summary>The generic rules over code written against the PtLock runtime itself (its contracts drive them).</summary>
public class RuntimeApiTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.LinuxMm;
        using static PtLock.PgtableGeneric;
        using static PtLock.Spinlock;

        """;

    private static Task Verify(string body) => AllRulesVerifier.VerifyAsync(Usings + "static class K\n{\n" + body + "\n}\n", withRuntime: true);

    [Fact] // the shape every PTE writer has: map and lock, check for failure, write, unmap and unlock
    public Task MapLockWriteUnlock() => Verify("""
        static void Set(Mm mm, Pmd pmd, ulong addr, PteVal entry)
        {
            var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
            if (pte == null)
                return;
            if (PteNone(PtepGet(pte)))
                SetPteAt(mm, addr, pte, entry);
            PteUnmapUnlock(pte, ptl);
        }
        """);

    [Fact] // writing without the ptl: set_pte_at requires the lock of the table holding the entry
    public Task WriteWithoutPtl() => Verify("""
        static void Set(Mm mm, Pmd pmd, ulong addr, PteVal entry)
        {
            var pte = PteOffsetMap(pmd, addr);
            if (pte == null)
                return;
            {|PTL1001:SetPteAt(mm, addr, pte, entry)|};
            PteUnmap(pte);
        }
        """);

    [Fact] // leaking the mapping (RCU) and the lock on an early return: one PTL0005 for the map, not a PTL1005 per lock
    public Task LeakOnEarlyReturn() => Verify("""
        static void Set(Mm mm, Pmd pmd, ulong addr, PteVal entry)
        {
            var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
            if (pte == null)
                return;
            if (!PteNone(PtepGet(pte)))
                {|PTL0005:return;|}
            SetPteAt(mm, addr, pte, entry);
            PteUnmapUnlock(pte, ptl);
        }
        """);

    [Fact] // retract_page_tables (mainline): PMD lock, state recheck, PTE lock nested only when it is another lock
    public Task NestedPtlGuardedByComparison() => Verify("""
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
            PmdClear(pmd);
            if (ptl != pml)
                SpinUnlock(ptl);
            SpinUnlock(pml);
        }
        """);

    [Fact] // forgetting the nested unlock when the locks differ
    public Task NestedPtlLeaked() => Verify("""
        static void Retract(Mm mm, Pmd pmd)
        {
            var pml = PmdLock(mm, pmd);
            var pmdval = PmdpGet(pmd);
            var ptl = PteLockptr(mm, pmdval);
            if (ptl != pml)
                SpinLockNested(ptl, SingleDepthNesting);
            {|PTL0001:PmdClear(pmd)|}; // a read under the lock is not a recheck: nothing compared it
            SpinUnlock(pml);
        {|PTL1005:}|}
        """);

    [Fact] // the scoped RCU section
    public Task RcuReadSectionScope() => Verify("""
        static PmdVal Peek(Pmd pmd)
        {
            using (Rcu.ReadSection())
                return PmdpGetLockless(pmd);
        }
        """);

    [Fact] // the mmap lock is a sleeping lock: not under the PMD spinlock
    public Task MmapLockUnderPmdLock() => Verify("""
        static void M(Mm mm, Pmd pmd)
        {
            var pml = PmdLock(mm, pmd);
            {|PTL1009:mm.MmapLock.DownRead()|};
            mm.MmapLock.UpRead();
            SpinUnlock(pml);
        }
        """);

    [Fact] // handle_mm_fault requires the mmap lock
    public Task FaultWithoutMmapLock() => Verify("""
        static void M(Vma vma, ulong addr)
        {
            {|PTL1001:Memory.HandleMmFault(vma, addr, FaultFlags.None)|};
            vma.Mm.MmapLock.DownRead();
            Memory.HandleMmFault(vma, addr, FaultFlags.None);
            vma.Mm.MmapLock.UpRead();
        }
        """);
}
