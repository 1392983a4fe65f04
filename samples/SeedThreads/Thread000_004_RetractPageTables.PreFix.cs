using static PtLock.LinuxMm;
using static PtLock.PgtableGeneric;
using static PtLock.Pgtable;
using static PtLock.Spinlock;

namespace PtLock.Samples.SeedThreads;

/// <summary>
/// retract_page_tables() as it was before page tables could be reclaimed under the mmap lock held for read:
/// the PMD is classified without the lock (find_pmd_or_thp_or_none), then trusted after taking the PMD lock.
/// </summary>
public static class RetractPageTablesPreFix
{
    public static int RetractPageTables(AddressSpace mapping, ulong pgoff)
    {
        int retracted = 0;
        mapping.IMmapRwsem.DownRead();
        foreach (var vma in mapping.Mappings.ToArray())
        {
            if (pgoff < vma.PgOff)
                continue;
            ulong addr = vma.Start + ((pgoff - vma.PgOff) << Geometry.PageShift);
            if ((addr & ~Geometry.PmdMask) != 0 || vma.End < addr + Geometry.PmdSize)
                continue;
            var mm = vma.Mm;
            if (Khugepaged.FindPmdOrThpOrNone(mm, addr, out var pmd) != ScanResult.Succeed || pmd == null)
                continue;
            var pml = PmdLock(mm, pmd);
            var ptl = PteLockptr(mm, pmd);
            if (ptl != pml)
                SpinLockNested(ptl, SingleDepthNesting);
            var pgtPmd = PmdpCollapseFlush(vma, addr, pmd);
            if (ptl != pml)
                SpinUnlock(ptl);
            SpinUnlock(pml);
            MmDecNrPtes(mm);
            PteFreeDefer(mm, PmdPgtable(mm, pgtPmd));
            retracted++;
        }
        mapping.IMmapRwsem.UpRead();
        return retracted;
    }
}
