using PtLock.Contracts;

namespace PtLock;

/// <summary>copy_hugetlb_page_range: fork of a private hugetlb mapping (shared ones are faulted back in).</summary>
public static partial class Hugetlb
{
    /// <summary>
    /// copy_hugetlb_page_range: each huge page of the parent is mapped in the child too, its folio gaining a mapping
    /// and a reference; in a COW mapping both entries are write-protected, so the first write copies
    /// (<see cref="HugetlbWp"/>). 0, or -ENOMEM.
    /// </summary>
    [Kernel("copy_hugetlb_page_range")]
    [MaySleep]
    public static int CopyHugetlbPageRange(Vma dst, Vma src)
    {
        ArgumentNullException.ThrowIfNull(dst);
        ArgumentNullException.ThrowIfNull(src);
        var dstMm = dst.Mm;
        var srcMm = src.Mm;
        bool cow = Memory.IsCowMapping(src.Flags);
        const ulong lastAddrMask = Geometry.PudSize - Geometry.PmdSize;
        int ret = 0;
        HugetlbVmaLockRead(src);
        HugetlbVmaLockRead(dst);
        for (ulong addr = src.Start; addr < src.End && addr >= src.Start; addr += HugePageSize)
        {
            var srcPte = HugetlbWalk(src, addr);
            if (srcPte is null)
            {
                addr |= lastAddrMask;
                continue;
            }
            var dstPte = HugePteAlloc(dstMm, dst, addr);
            if (dstPte is null)
            {
                ret = -Errno.ENOMEM;
                break;
            }
            if (dstPte.Frame == srcPte.Frame)
                continue; // the child already shares the parent's PMD table
            var dstPtl = HugePteLock(dstMm, dstPte);
            var srcPtl = HugePteLockptr(srcMm, srcPte);
            // Tables of two different mms never share a lock; the comparison states it for the analysis.
            if (srcPtl != dstPtl)
                Spinlock.SpinLockNested(srcPtl, Spinlock.SingleDepthNesting);
            var entry = HugePtepGet(srcMm, addr, srcPte);
            // The child's entry is private to the fork; checking it is still none states that.
            if (!Pgtable.PteNone(entry) && Pgtable.PteNone(HugePtepGet(dstMm, addr, dstPte)))
                CopyOne(dst, addr, dstPte, srcMm, srcPte, entry, cow);
            if (srcPtl != dstPtl)
                Spinlock.SpinUnlock(srcPtl);
            Spinlock.SpinUnlock(dstPtl);
        }
        HugetlbVmaUnlockRead(dst);
        HugetlbVmaUnlockRead(src);
        return ret;
    }

    [Requires("PtepLockptr(dst.Mm, dstPte)")]
    [Requires("PtepLockptr(srcMm, srcPte)")]
    private static void CopyOne(Vma dst, ulong addr, Pte dstPte, Mm srcMm, Pte srcPte, PteVal entry, bool cow)
    {
        var dstMm = dst.Mm;
        if (!Pgtable.PtePresent(entry))
        {
            // A uffd-wp marker only survives into a uffd-wp VMA; nothing else non-present is modelled.
            if (dst.UserfaultfdWp)
                SetHugePteAt(dstMm, addr, dstPte, entry);
            return;
        }
        var folio = srcMm.Machine.Memory.FrameOf(entry.Pfn).Folio
                    ?? throw new InvalidOperationException($"copy_hugetlb_page_range: {entry} maps no folio");
        folio.Get();
        if (folio.IsAnon)
            Rmap.FolioAddAnonRmapPte(folio, dst);
        else
            Rmap.FolioAddFileRmapPte(folio, dst);
        if (cow && Pgtable.PteWrite(entry))
        {
            HugePtepSetWrprotect(srcMm, addr, srcPte);
            entry = Pgtable.PteWrprotect(entry);
        }
        if (!dst.UserfaultfdWp)
            entry = Pgtable.PteClearUffdWp(entry);
        SetHugePteAt(dstMm, addr, dstPte, entry);
        dstMm.AddHugetlbUsage(PagesPerHugePage);
    }
}
