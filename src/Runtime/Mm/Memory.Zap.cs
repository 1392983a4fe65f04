using PtLock.Contracts;

namespace PtLock;

/// <summary>ZAP_FLAG_* (include/linux/mm.h).</summary>
[Flags]
public enum ZapFlags
{
    None = 0,
    /// <summary>ZAP_FLAG_DROP_MARKER: the whole mapping goes away (munmap, exit): markers are dropped too.</summary>
    DropMarker = 1 << 0,
    /// <summary>ZAP_FLAG_UNMAP: the final unmap of the VMA (munmap, exit): hugetlb frees the vma lock.</summary>
    Unmap = 1 << 1,
}

/// <summary>struct zap_details.</summary>
[Kernel("struct zap_details")]
public sealed record ZapDetails(ZapFlags Flags = ZapFlags.None);

/// <summary>mm/memory.c: zapping user page tables.</summary>
public static partial class Memory
{
    /// <summary>vm_normal_folio: the folio a present entry maps, or null for the zero page and special entries.</summary>
    [Kernel("vm_normal_folio")]
    public static Folio? VmNormalFolio(Vma vma, ulong addr, PteVal pte)
    {
        ArgumentNullException.ThrowIfNull(vma);
        if (!pte.IsPresent || pte.IsSpecial || pte.Pfn == ZeroPfn)
            return null;
        return vma.Mm.Machine.Memory.TryFrameOf(pte.Pfn, out var frame) && frame.Kind == FrameKind.Data ? frame.Folio : null;
    }

    /// <summary>zap_drop_markers.</summary>
    [Kernel("zap_drop_markers")]
    public static bool ZapDropMarkers(ZapDetails? details) => details is not null && (details.Flags & ZapFlags.DropMarker) != 0;

    /// <summary>
    /// zap_install_uffd_wp_if_needed: after clearing a file-backed entry, keep its uffd-wp protection as a marker
    /// unless the zap drops markers (thread 002).
    /// </summary>
    [Kernel("zap_install_uffd_wp_if_needed")]
    [KeepsUffdWp]
    [Requires("PtepLockptr(vma.Mm, pte)")]
    public static bool ZapInstallUffdWpIfNeeded(Vma vma, ulong addr, Pte pte, ZapDetails? details, PteVal pteval)
    {
        ArgumentNullException.ThrowIfNull(vma);
        if (vma.IsAnonymous || ZapDropMarkers(details))
            return false;
        return Userfaultfd.PteInstallUffdWpIfNeeded(vma, addr, pte, pteval);
    }

    /// <summary>
    /// zap_pte_range: under the ptl, clear every entry of [addr, end) in one PTE table, dropping the pages'
    /// mappings into the mmu_gather; file-backed uffd-wp entries leave a marker. Returns the address it reached
    /// (end, or addr when the table vanished and the caller should retry).
    /// </summary>
    [Kernel("zap_pte_range")]
    [ZapPath]
    public static ulong ZapPteRange(MmuGather tlb, Vma vma, Pmd pmd, ulong addr, ulong end, ZapDetails? details)
    {
        ArgumentNullException.ThrowIfNull(tlb);
        ArgumentNullException.ThrowIfNull(vma);
        var mm = vma.Mm;
        var startPte = PgtableGeneric.PteOffsetMapLock(mm, pmd, addr, out var ptl);
        if (startPte is null)
            return addr;
        var pte = startPte;
        for (; addr != end; pte++, addr += Geometry.PageSize)
        {
            var ptent = Pgtable.PtepGet(pte);
            if (ptent.IsNone)
                continue;
            if (ptent.IsPresent)
            {
                ptent = Pgtable.PtepGetAndClear(mm, addr, pte);
                if (VmNormalFolio(vma, addr, ptent) is { } folio)
                {
                    mm.AddRss(folio.IsAnon, -1);
                    Rmap.FolioRemoveRmapPte(folio, vma);
                    MmuGather.TlbRemoveFolio(tlb, folio);
                }
                ZapInstallUffdWpIfNeeded(vma, addr, pte, details, ptent);
                continue;
            }
            // Non-present: markers survive unless the whole mapping goes; other swap-form entries are dropped.
            if (ptent.IsMarker && !ZapDropMarkers(details))
                continue;
            Pgtable.PteClear(mm, addr, pte);
            ZapInstallUffdWpIfNeeded(vma, addr, pte, details, ptent);
        }
        PgtableGeneric.PteUnmapUnlock(startPte, ptl);
        return addr;
    }

    /// <summary>
    /// zap_page_range_single (MADV_DONTNEED): zap [address, address+size) of one VMA, PMD range by PMD range,
    /// then free each PTE table that became empty (PT reclaim, thread 004). The caller holds the mmap lock.
    /// </summary>
    [Kernel("zap_page_range_single")]
    [RequiresShared("vma.Mm.MmapLock")]
    [MaySleep]
    public static int ZapPageRangeSingle(Vma vma, ulong address, ulong size, ZapDetails? details, bool reclaimEmptyTables = true)
    {
        ArgumentNullException.ThrowIfNull(vma);
        ulong end = address + size;
        if (!Geometry.IsPageAligned(address) || !Geometry.IsPageAligned(size) || size == 0 || address < vma.Start || end > vma.End)
            throw new ArgumentOutOfRangeException(nameof(address), $"[{address:x}, {end:x}) is not a page-aligned range inside {vma}");
        var mm = vma.Mm;
        if (vma.IsHugetlb)
        {
            // unmap_single_vma's hugetlb arm: whole huge pages only, and no PT reclaim.
            if (((address | size) & ~Geometry.PmdMask) != 0)
                throw new ArgumentOutOfRangeException(nameof(address), $"[{address:x}, {end:x}) is not huge-page aligned in hugetlb {vma}");
            var hugeTlb = MmuGather.TlbGatherMmu(mm);
            Hugetlb.UnmapHugepageRangeFinal(hugeTlb, vma, address, end, details);
            MmuGather.TlbFinishMmu(hugeTlb);
            return 0;
        }
        var tlb = MmuGather.TlbGatherMmu(mm);
        int reclaimed = ZapPmdRange(tlb, vma, address, end, details, reclaimEmptyTables);
        MmuGather.TlbFinishMmu(tlb);
        return reclaimed;
    }

    /// <summary>
    /// zap_pmd_range: PMD range by PMD range, zap the PTE table's entries (and, with PT reclaim, free the table if
    /// that left it empty) or a whole huge PMD. When the PMD changed before it could be zapped (ZapPteRange stopped
    /// short, ZapHugePmd found another value), the range is looked at again, as the kernel's retry does. Returns
    /// how many emptied tables were freed.
    /// </summary>
    [Kernel("zap_pmd_range")]
    private static int ZapPmdRange(MmuGather tlb, Vma vma, ulong address, ulong end, ZapDetails? details, bool reclaimEmptyTables)
    {
        var mm = vma.Mm;
        int reclaimed = 0;
        for (ulong addr = address; addr < end;)
        {
            ulong next = Geometry.PmdAddrEnd(addr, end);
            var pmd = Rmap.MmFindPmd(mm, addr);
            var pmdval = pmd is null ? PmdVal.Empty : Pgtable.PmdpGetLockless(pmd);
            if (pmdval.IsTable)
            {
                if (ZapPteRange(tlb, vma, pmd!, addr, next, details) != next)
                    continue;
                if (reclaimEmptyTables && PtReclaim.TryToFreePte(mm, pmd!, addr, tlb))
                    reclaimed++;
            }
            else if (Pgtable.PmdTransHuge(pmdval) && !ZapHugePmdRange(tlb, vma, pmd!, addr, next))
            {
                continue;
            }
            addr = next;
        }
        return reclaimed;
    }

    /// <summary>
    /// zap_pmd_range's huge arm: a PMD leaf is zapped whole (zap_huge_pmd); zapping part of it would need
    /// __split_huge_pmd, which is not modelled, and is refused with an exception naming the range.
    /// </summary>
    private static bool ZapHugePmdRange(MmuGather tlb, Vma vma, Pmd pmd, ulong addr, ulong next)
    {
        if (next - addr != Geometry.PmdSize)
            throw new ArgumentOutOfRangeException(nameof(addr),
                $"[{addr:x}, {next:x}) is part of a PMD-mapped folio; zapping part of one needs __split_huge_pmd, which is not modelled: zap whole 2 MiB ranges");
        return ZapHugePmd(tlb, vma, pmd, addr);
    }

    /// <summary>
    /// zap_huge_pmd: under the PMD lock, if the PMD is still the leaf seen before it (__pmd_trans_huge_lock
    /// rechecks it), clear it and hand the file folio to the mmu_gather. False when the PMD changed meanwhile.
    /// </summary>
    [Kernel("zap_huge_pmd")]
    public static bool ZapHugePmd(MmuGather tlb, Vma vma, Pmd pmd, ulong addr)
    {
        ArgumentNullException.ThrowIfNull(tlb);
        ArgumentNullException.ThrowIfNull(vma);
        var mm = vma.Mm;
        var seen = Pgtable.PmdpGetLockless(pmd);
        if (!Pgtable.PmdTransHuge(seen))
            return false;
        var pml = LinuxMm.PmdLock(mm, pmd);
        // __pmd_trans_huge_lock: still the same leaf now that the lock is held?
        if (!Pgtable.PmdSame(seen, Pgtable.PmdpGet(pmd)))
        {
            Spinlock.SpinUnlock(pml);
            return false;
        }
        var orig = Pgtable.PmdpGetAndClear(mm, addr & Geometry.PmdMask, pmd);
        var folio = mm.Machine.Memory.FrameOf(orig.Pfn).Folio
                    ?? throw new InvalidOperationException($"zap_huge_pmd: {orig} maps no folio");
        mm.AddRss(folio.IsAnon, -folio.NrPages);
        folio.RemoveMap(); // folio_remove_rmap_pmd
        Spinlock.SpinUnlock(pml);
        MmuGather.TlbRemoveFolio(tlb, folio);
        return true;
    }
}
