using PtLock.Contracts;
using static PtLock.PgtableGeneric;
using static PtLock.Pgtable;

namespace PtLock.Samples.SeedThreads;

/// <summary>zap_pte_range() after thread 002: a cleared file-backed uffd-wp entry leaves a marker.</summary>
public static class ZapPteRangePostFix
{
    [ZapPath]
    public static ulong ZapPteRange(MmuGather tlb, Vma vma, Pmd pmd, ulong addr, ulong end, ZapDetails? details)
    {
        var mm = vma.Mm;
        var startPte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
        if (startPte == null)
            return addr;
        var pte = startPte;
        for (; addr != end; pte++, addr += Geometry.PageSize)
        {
            var ptent = PtepGet(pte);
            if (!PtePresent(ptent))
                continue;
            ptent = PtepGetAndClear(mm, addr, pte);
            if (Memory.VmNormalFolio(vma, addr, ptent) is { } folio)
            {
                Rmap.FolioRemoveRmapPte(folio, vma);
                MmuGather.TlbRemoveFolio(tlb, folio);
            }
            Memory.ZapInstallUffdWpIfNeeded(vma, addr, pte, details, ptent);
        }
        PteUnmapUnlock(startPte, ptl);
        return addr;
    }
}
