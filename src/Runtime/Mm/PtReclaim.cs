using PtLock.Contracts;

namespace PtLock;

/// <summary>mm/pt_reclaim.c (folded into mm/memory.c in 7.0): free empty PTE tables after MADV_DONTNEED (thread 004).</summary>
public static class PtReclaim
{
    /// <summary>
    /// try_to_free_pte: under the PMD lock, map the table with the rw variant (the PMD value cannot change
    /// while the PMD lock is held), take its ptl nested if it is a different lock, and if every entry is
    /// none, clear the PMD and hand the table to the mmu_gather, which frees it after a grace period.
    /// </summary>
    [Kernel("try_to_free_pte")]
    public static bool TryToFreePte(Mm mm, Pmd pmd, ulong addr, MmuGather tlb)
    {
        ArgumentNullException.ThrowIfNull(tlb);
        var pml = LinuxMm.PmdLock(mm, pmd);
        var startPte = PgtableGeneric.PteOffsetMapRwNolock(mm, pmd, addr, out var pmdval, out var ptl);
        if (startPte is null)
        {
            Spinlock.SpinUnlock(pml);
            return false;
        }
        if (ptl != pml)
            Spinlock.SpinLockNested(ptl, Spinlock.SingleDepthNesting);

        var pte = startPte - startPte.Index;
        for (int i = 0; i < Geometry.PtrsPerPte; i++, pte++)
        {
            if (!Pgtable.PtepGet(pte).IsNone)
            {
                PgtableGeneric.PteUnmapUnlock(startPte, ptl);
                if (ptl != pml)
                    Spinlock.SpinUnlock(pml);
                return false;
            }
        }
        PgtableGeneric.PteUnmap(startPte);
        Pgtable.PmdClear(pmd);
        if (ptl != pml)
            Spinlock.SpinUnlock(ptl);
        Spinlock.SpinUnlock(pml);

        FreePte(mm, addr, tlb, pmdval);
        return true;
    }

    /// <summary>free_pte: pte_free_tlb(tlb, pmd_pgtable(pmdval), addr) and mm_dec_nr_ptes.</summary>
    [Kernel("free_pte")]
    private static void FreePte(Mm mm, ulong addr, MmuGather tlb, PmdVal pmdval)
    {
        var frame = mm.Machine.Memory.FrameOf(pmdval.Pfn);
        var table = frame.Table as PteTable
                    ?? throw new PtLockViolationException(RuleIds.StaleFrame, $"free_pte: {frame.Describe()} is not a PTE table");
        MmuGather.PteFreeTlb(tlb, table, addr);
        LinuxMm.MmDecNrPtes(mm);
    }
}
