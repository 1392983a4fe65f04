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
}
