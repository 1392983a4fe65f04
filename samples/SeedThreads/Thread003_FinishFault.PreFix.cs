using static PtLock.LinuxMm;
using static PtLock.PgtableGeneric;
using static PtLock.Pgtable;

namespace PtLock.Samples.SeedThreads;

/// <summary>
/// The shape thread 003 warns about when alloc_set_pte() is split: the entry is found none without the lock,
/// the page prepared, the table mapped and locked, and the entry installed without re-checking that it is
/// still none: two threads faulting the same page both install it.
/// </summary>
public static class FinishFaultPreFix
{
    public static VmFaultResult FinishFault(Vma vma, Pmd pmd, ulong addr, Folio folio)
    {
        var mm = vma.Mm;
        if (PteAlloc(mm, pmd))
            return VmFaultResult.Oom;
        // The entry is looked at before the lock is taken, and trusted after.
        var peek = PteOffsetMap(pmd, addr);
        if (peek == null)
            return VmFaultResult.None;
        bool none = PteNone(PtepGetLockless(peek));
        PteUnmap(peek);
        if (!none)
            return VmFaultResult.NoPage;
        var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
        if (pte == null)
            return VmFaultResult.None;
        Rmap.FolioAddFileRmapPte(folio, vma);
        SetPteAt(mm, addr, pte, PteMkyoung(PfnPte(folio.Pfn, vma.PageProt)));
        PteUnmapUnlock(pte, ptl);
        return VmFaultResult.None;
    }
}
