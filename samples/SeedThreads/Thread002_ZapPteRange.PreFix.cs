using PtLock.Contracts;
using static PtLock.PgtableGeneric;
using static PtLock.Pgtable;

namespace PtLock.Samples.SeedThreads;

/// <summary>zap_pte_range() before thread 002: a file-backed entry's uffd-wp bit goes away with the entry.</summary>
public static class ZapPteRangePreFix
{
    [ZapPath]
    public static ulong ZapPteRange(MmuGather tlb, Vma vma, Pmd pmd, ulong addr, ulong end)
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
        }
        PteUnmapUnlock(startPte, ptl);
        return addr;
    }
}
