using PtLock.Contracts;

namespace PtLock;

/// <summary>mm/memory.c and mm/filemap.c: fault-around, mapping the page-cache neighbours of a read fault.</summary>
public static partial class Memory
{
    /// <summary>should_fault_around: not with uffd-wp (every entry must fault to userspace), not when set to one page.</summary>
    [Kernel("should_fault_around")]
    public static bool ShouldFaultAround(VmFault vmf)
    {
        ArgumentNullException.ThrowIfNull(vmf);
        return !vmf.Vma.UserfaultfdWp && vmf.Mm.Machine.Options.FaultAroundPages > 1;
    }

    /// <summary>
    /// do_fault_around: the window of <c>FaultAroundPages</c> aligned around the fault, clipped to the VMA and to
    /// the PTE table; preallocates the table when the PMD is none (no allocation under the ptl) and maps the
    /// window under RCU.
    /// </summary>
    [Kernel("do_fault_around")]
    [MaySleep]
    public static VmFaultResult DoFaultAround(VmFault vmf)
    {
        ArgumentNullException.ThrowIfNull(vmf);
        var vma = vmf.Vma;
        ulong nrPages = (ulong)vma.Mm.Machine.Options.FaultAroundPages;
        ulong pteOff = (ulong)Geometry.PteIndex(vmf.Address);
        ulong vmaOff = vmf.Pgoff - vma.PgOff;
        ulong vmaPages = (vma.End - vma.Start) >> Geometry.PageShift;
        ulong fromPte = Math.Max(pteOff & ~(nrPages - 1), pteOff - Math.Min(pteOff, vmaOff));
        ulong toPte = Math.Min(Math.Min(fromPte + nrPages, (ulong)Geometry.PtrsPerTable), pteOff + vmaPages - vmaOff) - 1;

        if (Pgtable.PmdNone(Pgtable.PmdpGet(vmf.Pmd!)))
        {
            vmf.PreallocPte = PgAlloc.PteAllocOne(vma.Mm);
            if (vmf.PreallocPte is null)
                return VmFaultResult.Oom;
        }
        Rcu.ReadLock();
        try
        {
            return FilemapMapPages(vmf, vmf.Pgoff + fromPte - pteOff, vmf.Pgoff + toPte - pteOff);
        }
        finally
        {
            Rcu.ReadUnlock();
        }
    }

    /// <summary>
    /// filemap_map_pages: map the cached folios of [start, end] that are already there (no I/O, no allocation),
    /// installing the preallocated table if the PMD is still none, and skipping every entry that is not none
    /// under the ptl — another fault may have mapped it since (thread 003). NoPage when the faulting address
    /// itself got mapped, so the fault is done.
    /// </summary>
    [Kernel("filemap_map_pages")]
    public static VmFaultResult FilemapMapPages(VmFault vmf, ulong startPgoff, ulong endPgoff)
    {
        ArgumentNullException.ThrowIfNull(vmf);
        var vma = vmf.Vma;
        var mm = vma.Mm;
        var file = vma.File ?? throw new ArgumentException("filemap_map_pages on an anonymous VMA", nameof(vmf));
        if (endPgoff < startPgoff || startPgoff < vma.PgOff)
            throw new ArgumentOutOfRangeException(nameof(startPgoff), $"window [{startPgoff}, {endPgoff}] is not inside {vma}");
        // Like next_uptodate_folio(): start at the first cached page; with none, nothing to prepare or lock.
        if (FirstCachedIndex(file, startPgoff, endPgoff) is not ulong first)
            return VmFaultResult.None;
        if (FilemapMapPmd(vmf, file.FindFolio(first)!))
            return VmFaultResult.NoPage;

        ulong addr = vma.Start + ((first - vma.PgOff) << Geometry.PageShift);
        var startPte = PgtableGeneric.PteOffsetMapLock(mm, vmf.Pmd!, addr, out var ptl);
        if (startPte is null)
            return VmFaultResult.None;
        var result = VmFaultResult.None;
        var pte = startPte;
        for (ulong index = first; index <= endPgoff; index++, pte++, addr += Geometry.PageSize)
        {
            if (file.FindFolio(index) is not { } folio)
                continue;
            if (!Pgtable.PteNone(Pgtable.PtepGet(pte)))
                continue;
            // next_uptodate_folio: a folio someone holds locked (collapse_file replacing it) is skipped, not waited for.
            if (!folio.Lock.DownWriteTrylock())
                continue;
            if (!file.StillCaches(index, folio))
            {
                folio.Lock.UpWrite();
                continue;
            }
            folio.Get();
            Rmap.FolioAddFileRmapPte(folio, vma);
            mm.AddRss(anon: false, 1);
            // Prefaulted entries stay old: set_pte_range() does not make them young, and on x86 only the
            // access marks an entry young, which the faulting page gets here as the runtime's finish_fault does.
            var entry = PteVal.FromPfn(folio.NrPages == 1 ? folio.Pfn : folio.PfnOf(index), vma.PageProt);
            if (addr == vmf.Address)
            {
                entry = Pgtable.PteMkyoung(entry);
                result = VmFaultResult.NoPage;
            }
            Pgtable.SetPteAt(mm, addr, pte, entry);
            folio.Lock.UpWrite();
        }
        PgtableGeneric.PteUnmapUnlock(startPte, ptl);
        return result;
    }

    /// <summary>
    /// filemap_map_pmd: map the folio with a PMD when it is PMD-sized and the PMD is none (do_set_pmd); else
    /// install the preallocated table if the PMD is none. True when the PMD is (now) a huge leaf: nothing to map
    /// at PTE level.
    /// </summary>
    [Kernel("filemap_map_pmd")]
    public static bool FilemapMapPmd(VmFault vmf, Folio folio)
    {
        ArgumentNullException.ThrowIfNull(vmf);
        ArgumentNullException.ThrowIfNull(folio);
        var pmdval = Pgtable.PmdpGet(vmf.Pmd!);
        if (Pgtable.PmdTransHuge(pmdval))
            return true;
        // next_uptodate_folio trylocks the folio first: one held locked (collapse_file building it) is not mapped.
        if (Pgtable.PmdNone(pmdval) && folio.IsPmdMappable && folio.Lock.DownWriteTrylock())
        {
            bool mapped = false;
            if (vmf.Vma.File?.StillCaches(folio.Index, folio) == true)
            {
                folio.Get(); // the reference the PMD mapping holds
                mapped = DoSetPmd(vmf, folio) == VmFaultResult.None;
                if (!mapped)
                    folio.Put();
            }
            folio.Lock.UpWrite();
            if (mapped)
                return true;
        }
        if (Pgtable.PmdNone(pmdval) && vmf.PreallocPte is not null)
            PmdInstallPrealloc(vmf);
        return false;
    }

    /// <summary>pmd_install(mm, vmf->pmd, &amp;vmf->prealloc_pte): PreallocPte is cleared when the table was installed.</summary>
    private static void PmdInstallPrealloc(VmFault vmf)
    {
        var table = vmf.PreallocPte;
        PmdInstall(vmf.Mm, vmf.Pmd!, ref table);
        vmf.PreallocPte = table;
    }

    private static ulong? FirstCachedIndex(AddressSpace file, ulong start, ulong end)
    {
        for (ulong index = start; index <= end; index++)
            if (file.FindFolio(index) is not null)
                return index;
        return null;
    }
}
