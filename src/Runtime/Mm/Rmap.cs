using PtLock.Contracts;

namespace PtLock;

/// <summary>mm/rmap.c: map counts of folios, and mm_find_pmd.</summary>
public static class Rmap
{
    /// <summary>folio_add_new_anon_rmap: a freshly allocated anonymous folio gets its first mapping.</summary>
    [Kernel("folio_add_new_anon_rmap")]
    public static void FolioAddNewAnonRmap(Folio folio, Vma vma, ulong addr)
    {
        ArgumentNullException.ThrowIfNull(folio);
        ArgumentNullException.ThrowIfNull(vma);
        if (folio.MapCount != 0)
            throw new InvalidOperationException($"folio_add_new_anon_rmap on {folio}, which is already mapped");
        folio.IsAnon = true;
        folio.Index = vma.LinearPageIndex(addr);
        folio.AddMap();
    }

    /// <summary>folio_add_anon_rmap_pte: another mapping of an anonymous folio (fork, swap-in).</summary>
    [Kernel("folio_add_anon_rmap_pte")]
    public static void FolioAddAnonRmapPte(Folio folio, Vma vma)
    {
        ArgumentNullException.ThrowIfNull(folio);
        folio.AddMap();
    }

    /// <summary>folio_add_file_rmap_pte.</summary>
    [Kernel("folio_add_file_rmap_pte")]
    public static void FolioAddFileRmapPte(Folio folio, Vma vma)
    {
        ArgumentNullException.ThrowIfNull(folio);
        folio.AddMap();
    }

    /// <summary>folio_remove_rmap_pte.</summary>
    [Kernel("folio_remove_rmap_pte")]
    public static void FolioRemoveRmapPte(Folio folio, Vma vma)
    {
        ArgumentNullException.ThrowIfNull(folio);
        folio.RemoveMap();
    }

    /// <summary>mm_find_pmd: the PMD slot for <paramref name="addr"/> if the upper levels exist, else null.</summary>
    [Kernel("mm_find_pmd")]
    [Fallible]
    public static Pmd? MmFindPmd(Mm mm, ulong addr)
    {
        var pgd = Pgtable.PgdOffset(mm, addr);
        if (Pgtable.PgdpGet(pgd).IsNone)
            return null;
        var p4d = Pgtable.P4dOffset(pgd, addr);
        if (Pgtable.P4dpGet(p4d).IsNone)
            return null;
        var pud = Pgtable.PudOffset(p4d, addr);
        if (!Pgtable.PudpGet(pud).IsPresent)
            return null;
        return Pgtable.PmdOffset(pud, addr);
    }

    /// <summary>
    /// try_to_unmap for a file folio of one page: clear every entry that maps it, in every VMA of its file (under
    /// i_mmap_rwsem), keeping uffd-wp as a marker where the VMA asks for it. The caller holds the folio lock, so no
    /// fault maps it again meanwhile. True when the folio is no longer mapped anywhere.
    /// </summary>
    [Kernel("try_to_unmap")]
    [Requires("folio.Lock")]
    public static bool TryToUnmap(Folio folio)
    {
        ArgumentNullException.ThrowIfNull(folio);
        if (folio.Mapping is not { } file || folio.NrPages != 1)
            throw new ArgumentException($"try_to_unmap is modelled for single-page file folios, not {folio}", nameof(folio));
        file.IMmapRwsem.DownRead();
        try
        {
            foreach (var vma in file.Mappings)
            {
                if (folio.Index < vma.PgOff || folio.Index - vma.PgOff >= (vma.End - vma.Start) >> Geometry.PageShift || vma.Mm.IsDead)
                    continue;
                ulong addr = vma.Start + ((folio.Index - vma.PgOff) << Geometry.PageShift);
                if (MmFindPmd(vma.Mm, addr) is { } pmd)
                    UnmapOne(vma, pmd, addr, folio);
            }
        }
        finally
        {
            file.IMmapRwsem.UpRead();
        }
        return folio.MapCount == 0;
    }

    /// <summary>try_to_unmap_one for one VMA: under the ptl, clear the entry if it (still) maps the folio.</summary>
    private static void UnmapOne(Vma vma, Pmd pmd, ulong addr, Folio folio)
    {
        var mm = vma.Mm;
        var pte = PgtableGeneric.PteOffsetMapLock(mm, pmd, addr, out var ptl);
        if (pte is null)
            return;
        var entry = Pgtable.PtepGet(pte);
        if (Pgtable.PteNone(entry) || !entry.IsPresent || entry.Pfn != folio.Pfn)
        {
            PgtableGeneric.PteUnmapUnlock(pte, ptl);
            return;
        }
        var old = Pgtable.PtepGetAndClear(mm, addr, pte);
        mm.Machine.CountTlbFlush();
        FolioRemoveRmapPte(folio, vma);
        mm.AddRss(anon: false, -1);
        Userfaultfd.PteInstallUffdWpIfNeeded(vma, addr, pte, old);
        PgtableGeneric.PteUnmapUnlock(pte, ptl);
        folio.Put(); // the mapping's reference
    }
}
