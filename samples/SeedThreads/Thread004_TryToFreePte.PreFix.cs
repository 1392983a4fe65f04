using static PtLock.LinuxMm;
using static PtLock.PgtableGeneric;
using static PtLock.Pgtable;
using static PtLock.Spinlock;

namespace PtLock.Samples.SeedThreads;

/// <summary>
/// The shape thread 004's review caught in the early empty-PTE-table reclaim: the table is found empty under its
/// own lock, then the PMD is cleared under the PMD lock without checking that it still points to that table.
/// Meanwhile khugepaged may have retracted it (and freed it), or a fault installed a new one.
/// </summary>
public static class TryToFreePtePreFix
{
    public static bool TryToFreePte(Mm mm, Pmd pmd, ulong addr, MmuGather tlb)
    {
        var pte = PteOffsetMapRwNolock(mm, pmd, addr, out var pmdval, out var ptl);
        if (pte == null)
            return false;
        SpinLock(ptl);
        bool empty = true;
        var slot = pte - pte.Index;
        for (int i = 0; i < Geometry.PtrsPerPte && empty; i++, slot++)
            empty = PteNone(PtepGet(slot));
        PteUnmapUnlock(pte, ptl);
        if (!empty)
            return false;
        var pml = PmdLock(mm, pmd);
        PmdClear(pmd);
        SpinUnlock(pml);
        MmuGather.PteFreeTlb(tlb, PmdPgtable(mm, pmdval), addr);
        MmDecNrPtes(mm);
        return true;
    }
}
