using PtLock.Contracts;

namespace PtLock;

/// <summary>Unmapping hugetlb ranges: a shared PMD table is unshared (this mm lets go of it), a private one zapped.</summary>
public static partial class Hugetlb
{
    /// <summary>
    /// __unmap_hugepage_range: for each huge page of [start, end), lock its PMD table; if the table is shared,
    /// unshare it (the other mms keep the entries) and skip to the next PUD; otherwise clear the entry, keep a
    /// uffd-wp marker unless the whole mapping goes, and hand the folio to the mmu_gather.
    /// </summary>
    [Kernel("__unmap_hugepage_range")]
    [ZapPath]
    [Requires("vma.File.IMmapRwsem")]
    [Requires("vma.HugetlbVmaLock")]
    public static void UnmapHugepageRange(MmuGather tlb, Vma vma, ulong start, ulong end, ZapDetails? details)
    {
        ArgumentNullException.ThrowIfNull(tlb);
        ArgumentNullException.ThrowIfNull(vma);
        if (((start | end) & ~HugePageMask) != 0 || start >= end || start < vma.Start || end > vma.End)
            throw new ArgumentOutOfRangeException(nameof(start), $"[{start:x}, {end:x}) is not a huge-page aligned range inside {vma}");
        var mm = vma.Mm;
        // hugetlb_mask_last_page: after an unshare or a missing PUD, continue at the next PUD.
        const ulong lastAddrMask = Geometry.PudSize - Geometry.PmdSize;
        for (ulong address = start; address < end && address >= start; address += HugePageSize)
        {
            var ptep = HugetlbWalk(vma, address);
            if (ptep is null)
            {
                address |= lastAddrMask;
                continue;
            }
            var ptl = HugePteLock(mm, ptep);
            if (HugePmdUnshare(tlb, vma, address, ptep))
            {
                Spinlock.SpinUnlock(ptl);
                address |= lastAddrMask;
                continue;
            }
            var pte = HugePtepGet(mm, address, ptep);
            if (Pgtable.PteNone(pte))
            {
                Spinlock.SpinUnlock(ptl);
                continue;
            }
            if (!Pgtable.PtePresent(pte))
            {
                // A marker stays unless the mapping is torn down; nothing else non-present is modelled.
                if (!(Pgtable.PteMarkerUffdWp(pte) && !Memory.ZapDropMarkers(details)))
                {
                    var cleared = HugePtepGetAndClear(mm, address, ptep);
                    HugetlbInstallUffdWpIfNeeded(vma, address, ptep, details, cleared);
                }
                Spinlock.SpinUnlock(ptl);
                continue;
            }
            pte = HugePtepGetAndClear(mm, address, ptep);
            HugetlbInstallUffdWpIfNeeded(vma, address, ptep, details, pte);
            mm.AddHugetlbUsage(-PagesPerHugePage);
            var folio = mm.Machine.Memory.FrameOf(pte.Pfn).Folio
                        ?? throw new InvalidOperationException($"__unmap_hugepage_range: {pte} maps no folio");
            Rmap.FolioRemoveRmapPte(folio, vma); // hugetlb_remove_rmap
            Spinlock.SpinUnlock(ptl);
            MmuGather.TlbRemoveFolio(tlb, folio); // tlb_remove_page_size
        }
    }

    /// <summary>
    /// The "leave a uffd-wp pte marker if needed" step of __unmap_hugepage_range: hugetlb VMAs are file-backed, so
    /// an entry that carried uffd-wp keeps it as a marker unless the whole mapping is being torn down (thread 002).
    /// </summary>
    [Kernel("__unmap_hugepage_range (uffd-wp marker)")]
    [KeepsUffdWp]
    [Requires("PtepLockptr(vma.Mm, ptep)")]
    public static bool HugetlbInstallUffdWpIfNeeded(Vma vma, ulong addr, Pte ptep, ZapDetails? details, PteVal pteval)
    {
        ArgumentNullException.ThrowIfNull(vma);
        if (!Pgtable.PteUffdWp(pteval) || Memory.ZapDropMarkers(details))
            return false;
        SetHugePteAt(vma.Mm, addr, ptep, Pgtable.MakePteMarker(PteMarker.UffdWp));
        return true;
    }

    /// <summary>
    /// __unmap_hugepage_range_final (unmap_single_vma's hugetlb arm): take the vma lock and i_mmap_rwsem for write,
    /// unmap, and on the final unmap (<see cref="ZapFlags.Unmap"/>) free the vma lock so no mm shares from this VMA again.
    /// </summary>
    [Kernel("__unmap_hugepage_range_final")]
    [MaySleep]
    public static void UnmapHugepageRangeFinal(MmuGather tlb, Vma vma, ulong start, ulong end, ZapDetails? details)
    {
        ArgumentNullException.ThrowIfNull(vma);
        var mapping = vma.File ?? throw new ArgumentException($"{vma} maps no hugetlbfs file", nameof(vma));
        HugetlbVmaLockWrite(vma);
        mapping.IMmapRwsem.DownWrite();
        try
        {
            UnmapHugepageRange(tlb, vma, start, end, details);
        }
        finally
        {
            if (details is not null && (details.Flags & ZapFlags.Unmap) != 0)
                vma.HugetlbVmaLockFreed = true; // __hugetlb_vma_unlock_write_free
            HugetlbVmaUnlockWrite(vma);
            mapping.IMmapRwsem.UpWrite();
        }
    }

    /// <summary>
    /// hugetlb_unshare_pmds: under the vma lock and i_mmap_rwsem for write, unshare every shared PMD table of
    /// [start, end) in this VMA (hugetlb_split calls it before a VMA is cut inside a shareable gigabyte).
    /// </summary>
    [Kernel("hugetlb_unshare_pmds")]
    [MaySleep]
    public static void HugetlbUnsharePmds(Vma vma, ulong start, ulong end)
    {
        ArgumentNullException.ThrowIfNull(vma);
        var mapping = vma.File;
        if ((vma.Flags & VmFlags.MayShare) == 0 || mapping is null)
            return;
        start = Math.Max(start, vma.Start);
        end = Math.Min(end, vma.End);
        if (start >= end)
            return;
        var mm = vma.Mm;
        var tlb = MmuGather.TlbGatherMmu(mm);
        HugetlbVmaLockWrite(vma);
        mapping.IMmapRwsem.DownWrite();
        try
        {
            for (ulong addr = start; addr < end; addr += HugePageSize)
            {
                var ptep = HugetlbWalk(vma, addr);
                if (ptep is null)
                    continue;
                var ptl = HugePteLock(mm, ptep);
                HugePmdUnshare(tlb, vma, addr, ptep);
                Spinlock.SpinUnlock(ptl);
            }
        }
        finally
        {
            HugetlbVmaUnlockWrite(vma);
            mapping.IMmapRwsem.UpWrite();
        }
        MmuGather.TlbFinishMmu(tlb);
    }
}
