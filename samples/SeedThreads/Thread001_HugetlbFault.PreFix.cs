using static PtLock.Hugetlb;
using static PtLock.Pgtable;
using static PtLock.Spinlock;

namespace PtLock.Samples.SeedThreads;

/// <summary>
/// The hugetlb fault path thread 001 discusses (2020): only the fault mutex is held. The pte_t * from
/// huge_pte_alloc can point into a PMD table shared with another mm; before huge_pte_lock is reached, that
/// table can be unshared, freed by its last user and reused, so the lock taken is garbage.
/// </summary>
public static class HugetlbFaultPreFix
{
    public static VmFaultResult HugetlbFault(Vma vma, ulong address)
    {
        var mm = vma.Mm;
        ulong haddr = address & HugePageMask;
        var mapping = vma.File!;
        ulong idx = VmaHugecacheOffset(vma, haddr);
        var mutex = HugetlbFaultMutex(mapping, idx);
        mutex.DownWrite();
        var ptep = HugePteAlloc(mm, vma, haddr);
        if (ptep == null)
        {
            mutex.UpWrite();
            return VmFaultResult.Oom;
        }
        var entry = HugePtepGet(mm, haddr, ptep);
        var folio = mapping.GetOrCreateFolio(idx); // "do some stuff, possibly allocate a page"
        var ptl = HugePteLock(mm, ptep);
        if (folio != null && PteNone(entry) && PteSame(HugePtepGet(mm, haddr, ptep), entry))
        {
            folio.Get();
            Rmap.FolioAddFileRmapPte(folio, vma);
            SetHugePteAt(mm, haddr, ptep, MakeHugePte(vma, folio, writable: true));
        }
        SpinUnlock(ptl);
        mutex.UpWrite();
        return VmFaultResult.None;
    }
}
