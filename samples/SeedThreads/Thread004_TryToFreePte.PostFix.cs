using static PtLock.LinuxMm;
using static PtLock.PgtableGeneric;
using static PtLock.Pgtable;
using static PtLock.Spinlock;

namespace PtLock.Samples.SeedThreads;

/// <summary>
/// try_to_free_pte as merged: the PMD lock is taken first, the table mapped with the rw variant (the PMD cannot
/// change while the PMD lock is held, which is why no pmd_same is needed), its lock nested when it is another
/// lock, and the PMD cleared only after every entry was seen none under both locks.
/// </summary>
public static class TryToFreePtePostFix
{
    public static bool TryToFreePte(Mm mm, Pmd pmd, ulong addr, MmuGather tlb)
    {
        var pml = PmdLock(mm, pmd);
        var pte = PteOffsetMapRwNolock(mm, pmd, addr, out var pmdval, out var ptl);
        if (pte == null)
        {
            SpinUnlock(pml);
            return false;
        }
        if (ptl != pml)
            SpinLockNested(ptl, SingleDepthNesting);
        bool empty = PmdSame(pmdval, PmdpGetLockless(pmd));
        var slot = pte - pte.Index;
        for (int i = 0; i < Geometry.PtrsPerPte && empty; i++, slot++)
            empty = PteNone(PtepGet(slot));
        if (empty)
        {
            PteUnmap(pte);
            PmdClear(pmd);
        }
        else
        {
            PteUnmap(pte);
        }
        if (ptl != pml)
            SpinUnlock(ptl);
        SpinUnlock(pml);
        if (!empty)
            return false;
        MmuGather.PteFreeTlb(tlb, PmdPgtable(mm, pmdval), addr);
        MmDecNrPtes(mm);
        return true;
    }
}
