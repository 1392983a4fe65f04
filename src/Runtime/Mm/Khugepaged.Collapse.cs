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
        if (vma?.File is not { } file || vma.IsHugetlb || haddr < vma.Start || haddr + Geometry.PmdSize > vma.End)
            return ScanResult.VmaCheck;
        if (vma.UserfaultfdWp)
            return ScanResult.PteUffdWp;
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
    /// madvise_collapse for file VMAs whose page cache already holds PMD-sized folios (hpage_collapse_scan_file's
    /// SCAN_PTE_MAPPED_HUGEPAGE): each PMD-aligned range of [start, start+len) inside a file VMA is collapsed with
    /// collapse_pte_mapped_thp, installing the PMD. Taking small cached pages into a new large folio
    /// (collapse_file) is not modelled: such ranges report <see cref="ScanResult.PageCompound"/>. Takes the mmap
    /// lock for read; returns the result per range.
    /// </summary>
    [Kernel("madvise_collapse")]
    [Excludes("mm.MmapLock")]
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
                results.Add((haddr, CollapsePteMappedThp(mm, haddr, installPmd: true)));
        }
        finally
        {
            mm.MmapLock.UpRead();
        }
        return results;
    }
}
