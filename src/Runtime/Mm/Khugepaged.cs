using PtLock.Contracts;

namespace PtLock;

/// <summary>mm/khugepaged.c: retracting the PTE tables of a range that is now mapped by a huge page.</summary>
public static partial class Khugepaged
{
    /// <summary>check_pmd_state: is this PMD (read locklessly) a pointer to a PTE table?</summary>
    [Kernel("check_pmd_state")]
    [Recheck("pmd")]
    public static ScanResult CheckPmdState(Pmd pmd)
    {
        var pmde = Pgtable.PmdpGetLockless(pmd);
        if (pmde.IsNone)
            return ScanResult.PmdNone;
        // A folio under migration ends up mapped by a present PMD again.
        if (pmde.IsMigration)
            return ScanResult.PmdMapped;
        if (!pmde.IsPresent)
            return ScanResult.PmdNull;
        if (pmde.IsTransHuge)
            return ScanResult.PmdMapped;
        if (pmde.IsBad)
            return ScanResult.PmdNull;
        return ScanResult.Succeed;
    }

    /// <summary>find_pmd_or_thp_or_none: the PMD slot for <paramref name="address"/> and its state, without locks.</summary>
    [Kernel("find_pmd_or_thp_or_none")]
    public static ScanResult FindPmdOrThpOrNone(Mm mm, ulong address, out Pmd? pmd)
    {
        pmd = Rmap.MmFindPmd(mm, address);
        if (pmd is null)
            return ScanResult.PmdNull;
        return CheckPmdState(pmd);
    }

    /// <summary>
    /// retract_page_tables (mainline): for every VMA mapping <paramref name="pgoff"/> of the file at a PMD-aligned
    /// address, take the PMD lock, <b>recheck the PMD state under it</b> (reclaim may have freed the table since
    /// the lockless look), take the PTE table's lock nested if it is another lock, clear the PMD with
    /// pmdp_collapse_flush and free the table through RCU. Returns how many tables were retracted.
    /// </summary>
    [Kernel("retract_page_tables")]
    [MaySleep]
    public static int RetractPageTables(AddressSpace mapping, ulong pgoff)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        int retracted = 0;
        mapping.IMmapRwsem.DownRead();
        try
        {
            foreach (var vma in mapping.Mappings.ToArray())
            {
                if (pgoff < vma.PgOff)
                    continue;
                ulong addr = vma.Start + ((pgoff - vma.PgOff) << Geometry.PageShift);
                if ((addr & ~Geometry.PmdMask) != 0 || vma.End < addr + Geometry.PmdSize)
                    continue;
                var mm = vma.Mm;
                if (FindPmdOrThpOrNone(mm, addr, out var found) != ScanResult.Succeed || found is null)
                    continue;
                if (mm.IsDead)
                    continue;
                // uffd-wp registered ranges may hold pte markers: they stay mapped by small pages.
                if (vma.UserfaultfdWp)
                    continue;
                if (RetractOne(vma, found, addr) is { } table)
                {
                    LinuxMm.MmDecNrPtes(mm);
                    PgtableGeneric.PteFreeDefer(mm, table);
                    retracted++;
                }
            }
        }
        finally
        {
            mapping.IMmapRwsem.UpRead();
        }
        return retracted;
    }

    /// <summary>The locked part of retract_page_tables for one PMD: the detached table, or null.</summary>
    private static PteTable? RetractOne(Vma vma, Pmd pmd, ulong addr)
    {
        var mm = vma.Mm;
        var pml = LinuxMm.PmdLock(mm, pmd);
        // The PMD may have changed since the lockless look (PT reclaim, thread 004): recheck its state.
        if (CheckPmdState(pmd) != ScanResult.Succeed)
        {
            Spinlock.SpinUnlock(pml);
            return null;
        }
        var ptl = LinuxMm.PteLockptr(mm, pmd);
        if (ptl != pml)
            Spinlock.SpinLockNested(ptl, Spinlock.SingleDepthNesting);

        PmdVal pgtPmd = PmdVal.Empty;
        bool success = false;
        // Repeat the cheap checks under the ptl: a racing userfaultfd ioctl may have inserted ptes or markers.
        if (vma.AnonVma is null && !vma.UserfaultfdWp)
        {
            pgtPmd = PgtableGeneric.PmdpCollapseFlush(vma, addr, pmd);
            success = true;
        }

        if (ptl != pml)
            Spinlock.SpinUnlock(ptl);
        Spinlock.SpinUnlock(pml);
        return success ? Pgtable.PmdPgtable(mm, pgtPmd) : null;
    }
}
