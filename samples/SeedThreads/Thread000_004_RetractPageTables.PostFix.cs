using static PtLock.LinuxMm;
using static PtLock.PgtableGeneric;
using static PtLock.Pgtable;
using static PtLock.Spinlock;

namespace PtLock.Samples.SeedThreads;

/// <summary>retract_page_tables() in mainline: the PMD state is rechecked under the PMD lock before it is used.</summary>
public static class RetractPageTablesPostFix
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
            if (vma.UserfaultfdWp)
                continue;
            var pml = PmdLock(mm, pmd);
            if (Khugepaged.CheckPmdState(pmd) != ScanResult.Succeed)
            {
                SpinUnlock(pml);
                continue;
            }
            var ptl = PteLockptr(mm, pmd);
            if (ptl != pml)
                SpinLockNested(ptl, SingleDepthNesting);
            bool success = false;
            PmdVal pgtPmd = default;
            if (vma.AnonVma == null && !vma.UserfaultfdWp)
            {
                pgtPmd = PmdpCollapseFlush(vma, addr, pmd);
                success = true;
            }
            if (ptl != pml)
                SpinUnlock(ptl);
            SpinUnlock(pml);
            if (success)
            {
                MmDecNrPtes(mm);
                PteFreeDefer(mm, PmdPgtable(mm, pgtPmd));
                retracted++;
            }
        }
        mapping.IMmapRwsem.UpRead();
        return retracted;
    }
}
