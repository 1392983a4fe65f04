using PtLock.Contracts;

namespace PtLock;

/// <summary>collapse_pte_mapped_thp and MADV_COLLAPSE for file folios that are already PMD-sized in the page cache.</summary>
public static partial class Khugepaged
{
    /// <summary>
    /// collapse_pte_mapped_thp (mainline): a PMD-sized file folio is mapped by PTEs at <paramref name="addr"/>.
    /// Check under the ptl that every mapped entry maps the right page; then under the PMD lock, with the table
    /// mapped by the rw variant and its lock nested, recheck the PMD with pmd_same, clear the entries and drop
    /// their references; detach the emptied table (pmdp_collapse_flush, freed through RCU) and, when asked, map
    /// the folio with a PMD instead. Needs the mmap lock.
    /// </summary>
    [Kernel("collapse_pte_mapped_thp")]
    [RequiresShared("mm.MmapLock")]
    public static ScanResult CollapsePteMappedThp(Mm mm, ulong addr, bool installPmd)
    {
        ArgumentNullException.ThrowIfNull(mm);
        ulong haddr = addr & Geometry.PmdMask;
        var vma = mm.VmaLookup(haddr);
        if (CheckVma(vma, haddr) is var vmaCheck and not ScanResult.Succeed)
            return vmaCheck;
        var file = vma!.File!;
        ulong index = vma.LinearPageIndex(haddr);
        if (file.FindFolio(index) is not { IsPmdMappable: true } folio || folio.Index != index)
            return ScanResult.PageCompound;

        var state = FindPmdOrThpOrNone(mm, haddr, out var pmd);
        if (state == ScanResult.PmdMapped)
            return ScanResult.PmdMapped;
        if (pmd is null || state is ScanResult.PmdNull)
            return ScanResult.PmdNull;
        if (state == ScanResult.PmdNone)
            return installPmd ? SetHugePmd(vma, haddr, pmd, folio) : ScanResult.PmdNone;

        // Step 1: every mapped entry maps the folio's page for its address.
        var startPte = PgtableGeneric.PteOffsetMapLock(mm, pmd, haddr, out var ptl);
        if (startPte is null)
            return ScanResult.PmdNull;
        var check = MappedPagesMatch(startPte, folio);
        PgtableGeneric.PteUnmapUnlock(startPte, ptl);
        if (check != ScanResult.Succeed)
            return check;

        // Step 2: clear them under the PMD lock and the ptl.
        var pml = LinuxMm.PmdLock(vma.Mm, pmd);
        var pte = PgtableGeneric.PteOffsetMapRwNolock(vma.Mm, pmd, haddr, out var pgtPmd, out var tableLock);
        if (pte is null)
        {
            Spinlock.SpinUnlock(pml);
            return ScanResult.PmdNull;
        }
        if (tableLock != pml)
            Spinlock.SpinLockNested(tableLock, Spinlock.SingleDepthNesting);
        if (!Pgtable.PmdSame(pgtPmd, Pgtable.PmdpGetLockless(pmd)) || MappedPagesMatch(pte, folio) != ScanResult.Succeed)
        {
            if (tableLock != pml)
                Spinlock.SpinUnlock(tableLock);
            PgtableGeneric.PteUnmap(pte);
            Spinlock.SpinUnlock(pml);
            return ScanResult.Fail;
        }
        int cleared = 0;
        var slot = pte;
        for (int i = 0; i < Geometry.PtrsPerPte; i++, slot++)
        {
            if (Pgtable.PteNone(Pgtable.PtepGet(slot)))
                continue;
            Pgtable.PtepGetAndClear(vma.Mm, haddr + ((ulong)i << Geometry.PageShift), slot);
            folio.RemoveMap(); // folio_remove_rmap_ptes
            cleared++;
        }
        if (tableLock != pml)
            Spinlock.SpinUnlock(tableLock);

        // Step 3: the references and counters the entries held.
        for (int i = 0; i < cleared; i++)
            folio.Put();
        mm.AddRss(anon: false, -cleared);

        // Step 4: the table is empty: detach it, and map the folio with the PMD if asked.
        var old = PgtableGeneric.PmdpCollapseFlush(vma, haddr, pmd);
        PgtableGeneric.PteUnmap(pte);
        if (installPmd)
            InstallPmd(vma, haddr, pmd, folio);
        Spinlock.SpinUnlock(pml);
        LinuxMm.MmDecNrPtes(mm);
        PgtableGeneric.PteFreeDefer(mm, Pgtable.PmdPgtable(mm, old));
        return ScanResult.Succeed;
    }

    /// <summary>Each non-none entry of the table is present and maps the folio's page for its slot.</summary>
    private static ScanResult MappedPagesMatch(Pte start, Folio folio)
    {
        var slot = start;
        for (int i = 0; i < Geometry.PtrsPerPte; i++, slot++)
        {
            var v = Pgtable.PtepGet(slot);
            if (v.IsNone)
                continue;
            if (!v.IsPresent)
                return ScanResult.PteNonPresent;
            if (v.Pfn != folio.Pfn + (ulong)i)
                return ScanResult.Fail;
        }
        return ScanResult.Succeed;
    }

    /// <summary>set_huge_pmd for a PMD that is none: under the PMD lock, if it still is.</summary>
    private static ScanResult SetHugePmd(Vma vma, ulong haddr, Pmd pmd, Folio folio)
    {
        var pml = LinuxMm.PmdLock(vma.Mm, pmd);
        var result = ScanResult.Fail;
        if (Pgtable.PmdNone(Pgtable.PmdpGet(pmd)))
        {
            InstallPmd(vma, haddr, pmd, folio);
            result = ScanResult.Succeed;
        }
        Spinlock.SpinUnlock(pml);
        return result;
    }

    /// <summary>The PMD leaf for the folio, with its reference, rmap and counter (set_huge_pmd).</summary>
    [Requires("PmdLockptr(vma.Mm, pmd)")]
    private static void InstallPmd(Vma vma, ulong haddr, Pmd pmd, Folio folio)
    {
        folio.Get();
        folio.AddMap(); // folio_add_file_rmap_pmd
        vma.Mm.AddRss(anon: false, folio.NrPages);
        Pgtable.SetPmdAt(vma.Mm, haddr, pmd, PmdVal.Huge(folio.Pfn, vma.PageProt));
    }

    /// <summary>
    /// collapse_file (for a shmem-like file): build a PMD-sized folio for file pages [start, start+512) out of the
    /// cached small folios (holes become zero pages). Each small folio is locked (so no fault maps it meanwhile)
    /// and unmapped everywhere (try_to_unmap, keeping uffd-wp markers); their contents are copied; the page cache
    /// is switched to the new folio in one step, and the old folios lose their page-cache references. Then
    /// retract_page_tables frees the emptied PTE tables of every mm mapping the range.
    /// </summary>
    [Kernel("collapse_file")]
    [MaySleep]
    public static ScanResult CollapseFile(AddressSpace mapping, ulong start)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        const int pages = Geometry.PtrsPerPte;
        if ((start & (pages - 1)) != 0)
            return ScanResult.AddressRange;
        var old = new Folio?[pages];
        for (int i = 0; i < pages; i++)
        {
            old[i] = mapping.FindFolio(start + (ulong)i);
            if (old[i] is { NrPages: > 1 })
                return old[i]!.IsPmdMappable && old[i]!.Index == start ? ScanResult.PteMappedHugepage : ScanResult.PageCompound;
        }
        var large = Folio.AllocLarge(mapping.Machine, Geometry.PmdShift - Geometry.PageShift);
        if (large is null)
            return ScanResult.Fail; // SCAN_ALLOC_HUGE_PAGE_FAIL
        // References on what was found, so that a racing collapse of the same range cannot free it under us
        // (ReplaceRange then sees the page cache changed and this collapse gives up).
        foreach (var small in old)
            small?.Get();
        // The new folio is locked from before it enters the page cache until the tables are retracted: a fault
        // that finds it blocks on that lock (fault-around skips it), so no entry refills a table being retracted.
        large.Lock.DownWrite();
        var result = ScanResult.Fail;
        try
        {
            result = ReplaceSmallFolios(mapping, start, old, large);
            if (result == ScanResult.Succeed)
            {
                foreach (var small in old)
                    small?.Put(); // the page cache's reference
                RetractPageTables(mapping, start);
            }
        }
        finally
        {
            large.Lock.UpWrite();
            foreach (var small in old)
                small?.Put(); // ours
            if (result != ScanResult.Succeed)
                large.Put();
        }
        if (result != ScanResult.Succeed)
            return result;
        return ScanResult.Succeed;
    }

    /// <summary>
    /// The middle of collapse_file: lock every small folio, unmap it everywhere, copy it into the large folio,
    /// switch the page cache over, then unlock them all.
    /// </summary>
    [NoLockAnalysis("holds one folio lock per cached page in a list until the page cache is switched; the analysis tracks lock expressions, not collections")]
    private static ScanResult ReplaceSmallFolios(AddressSpace mapping, ulong start, Folio?[] old, Folio large)
    {
        var locked = new List<Folio>();
        var result = ScanResult.Succeed;
        try
        {
            for (int i = 0; i < old.Length && result == ScanResult.Succeed; i++)
            {
                if (old[i] is not { } small)
                    continue;
                small.Lock.DownWrite();
                locked.Add(small);
                if (!mapping.StillCaches(start + (ulong)i, small))
                    result = ScanResult.Fail; // replaced or truncated before we got the lock
                else if (small.MapCount > 0 && !Rmap.TryToUnmap(small))
                    result = ScanResult.Fail;
                else
                    mapping.Machine.Memory.FrameOf(large.Pfn + (ulong)i).Content = small.Content; // copy_mc_highpage
            }
            if (result == ScanResult.Succeed && !mapping.ReplaceRange(start, large, old))
                result = ScanResult.Fail;
        }
        finally
        {
            foreach (var small in locked)
                small.Lock.UpWrite();
        }
        return result;
    }

    /// <summary>
    /// madvise_collapse for file VMAs: each PMD-aligned range of [start, start+len) inside a file VMA gets a
    /// PMD-sized folio in the page cache (collapse_file, unless one is already there: SCAN_PTE_MAPPED_HUGEPAGE),
    /// then this mm maps it with a PMD (collapse_pte_mapped_thp installing the PMD). uffd-wp VMAs are left
    /// alone. Takes the mmap lock for read; returns the result per range.
    /// </summary>
    [Kernel("madvise_collapse")]
    [Excludes("mm.MmapLock")]
    [MaySleep]
    public static IReadOnlyList<(ulong Address, ScanResult Result)> MadviseCollapse(Mm mm, ulong start, ulong len)
    {
        ArgumentNullException.ThrowIfNull(mm);
        if (len == 0 || ((start | len) & ~Geometry.PageMask) != 0 || start + len < start || start + len > mm.TaskSize)
            throw new ArgumentException($"MADV_COLLAPSE [{start:x}, +{len:x}) is not a page-aligned range of user space", nameof(start));
        var results = new List<(ulong, ScanResult)>();
        mm.MmapLock.DownRead();
        try
        {
            ulong first = (start + Geometry.PmdSize - 1) & Geometry.PmdMask;
            for (ulong haddr = first; haddr + Geometry.PmdSize <= start + len; haddr += Geometry.PmdSize)
                results.Add((haddr, CollapseRange(mm, haddr)));
        }
        finally
        {
            mm.MmapLock.UpRead();
        }
        return results;
    }

    /// <summary>hpage_collapse_scan_file + collapse_pte_mapped_thp for one PMD range.</summary>
    [RequiresShared("mm.MmapLock")]
    private static ScanResult CollapseRange(Mm mm, ulong haddr)
    {
        var vma = mm.VmaLookup(haddr);
        if (CheckVma(vma, haddr) is var check and not ScanResult.Succeed)
            return check;
        var cached = CollapseFile(vma!.File!, vma.LinearPageIndex(haddr));
        if (cached is not (ScanResult.Succeed or ScanResult.PteMappedHugepage))
            return cached;
        return CollapsePteMappedThp(mm, haddr, installPmd: true);
    }

    /// <summary>
    /// hugepage_vma_revalidate for a file range: a non-hugetlb file VMA covering [haddr, haddr + 2 MiB), not
    /// registered for uffd-wp (its markers need PTEs), and not a COW mapping (like do_set_pmd: its first write
    /// would need __split_huge_pmd, which is not modelled).
    /// </summary>
    private static ScanResult CheckVma(Vma? vma, ulong haddr)
    {
        if (vma?.File is null || vma.IsHugetlb || haddr < vma.Start || haddr + Geometry.PmdSize > vma.End)
            return ScanResult.VmaCheck;
        if (vma.UserfaultfdWp)
            return ScanResult.PteUffdWp;
        return Memory.IsCowMapping(vma.Flags) ? ScanResult.VmaCheck : ScanResult.Succeed;
    }
}
