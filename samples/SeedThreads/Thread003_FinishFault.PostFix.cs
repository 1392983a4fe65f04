using static PtLock.LinuxMm;
using static PtLock.PgtableGeneric;
using static PtLock.Pgtable;

namespace PtLock.Samples.SeedThreads;

/// <summary>finish_fault() after the split: re-check pte_none under the ptl, then do_set_pte/set_pte_range.</summary>
public static class FinishFaultPostFix
{
    public static VmFaultResult FinishFault(Vma vma, Pmd pmd, ulong addr, Folio folio)
    {
        var mm = vma.Mm;
        if (PteAlloc(mm, pmd))
            return VmFaultResult.Oom;
        var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
        if (pte == null)
            return VmFaultResult.None;
        var ret = VmFaultResult.None;
        // Re-check under the ptl: another thread may have installed the entry meanwhile.
        if (PteNone(PtepGet(pte)))
        {
            Rmap.FolioAddFileRmapPte(folio, vma);
            SetPteAt(mm, addr, pte, PteMkyoung(PfnPte(folio.Pfn, vma.PageProt)));
        }
        else
        {
            ret = VmFaultResult.NoPage;
        }
        PteUnmapUnlock(pte, ptl);
        return ret;
    }
}
