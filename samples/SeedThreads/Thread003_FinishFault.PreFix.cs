using static PtLock.LinuxMm;
using static PtLock.PgtableGeneric;
using static PtLock.Pgtable;

namespace PtLock.Samples.SeedThreads;

/// <summary>
/// The shape thread 003 warns about when alloc_set_pte() is split: the page is prepared without the lock, the
/// table mapped and locked, and the entry installed without re-checking that it is still none.
/// </summary>
public static class FinishFaultPreFix
{
    public static VmFaultResult FinishFault(Vma vma, Pmd pmd, ulong addr, Folio folio)
    {
        var mm = vma.Mm;
        if (PteAlloc(mm, pmd))
            return VmFaultResult.Oom;
        var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
        if (pte == null)
            return VmFaultResult.None;
        Rmap.FolioAddFileRmapPte(folio, vma);
        SetPteAt(mm, addr, pte, PteMkyoung(PfnPte(folio.Pfn, vma.PageProt)));
        PteUnmapUnlock(pte, ptl);
        return VmFaultResult.None;
    }
}
