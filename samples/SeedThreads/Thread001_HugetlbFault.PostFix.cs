using static PtLock.Hugetlb;
using static PtLock.Pgtable;
using static PtLock.Spinlock;

namespace PtLock.Samples.SeedThreads;

/// <summary>
/// The same path with the fix mainline settled on (6.1, "hugetlb: use new vma_lock for pmd sharing
/// synchronization"): the hugetlb vma lock is held for read from before huge_pte_alloc until the entry and
/// its lock are no longer used, so huge_pmd_unshare, which needs it for write, cannot run in the window.
/// </summary>
public static class HugetlbFaultPostFix
{
    public static VmFaultResult HugetlbFault(Vma vma, ulong address)
    {
        var mm = vma.Mm;
        ulong haddr = address & HugePageMask;
        var mapping = vma.File!;
        ulong idx = VmaHugecacheOffset(vma, haddr);
        var mutex = HugetlbFaultMutex(mapping, idx);
        mutex.DownWrite();
        HugetlbVmaLockRead(vma);
        var ptep = HugePteAlloc(mm, vma, haddr);
        if (ptep == null)
        {
            HugetlbVmaUnlockRead(vma);
            mutex.UpWrite();
            return VmFaultResult.Oom;
        }
        var entry = HugePtepGet(mm, haddr, ptep);
        var folio = mapping.GetOrCreateFolio(idx);
        var ptl = HugePteLock(mm, ptep);
        if (folio != null && PteNone(entry) && PteSame(HugePtepGet(mm, haddr, ptep), entry))
        {
            folio.Get();
            Rmap.FolioAddFileRmapPte(folio, vma);
            SetHugePteAt(mm, haddr, ptep, MakeHugePte(vma, folio, writable: true));
        }
        SpinUnlock(ptl);
        HugetlbVmaUnlockRead(vma);
        mutex.UpWrite();
        return VmFaultResult.None;
    }
}
