namespace PtLock.Runtime.Tests;

/// <summary>A user access as a test drives it: a fault under the mmap lock, and the entry a walker sees afterwards.</summary>
internal static class TestFaults
{
    public static VmFaultResult Fault(Vma vma, ulong addr, bool write)
    {
        vma.Mm.MmapLock.DownRead();
        try { return Memory.HandleMmFault(vma, addr, write ? FaultFlags.Write | FaultFlags.User : FaultFlags.User); }
        finally { vma.Mm.MmapLock.UpRead(); }
    }

    /// <summary>The PTE mapping <paramref name="addr"/>, or none when no table maps it.</summary>
    public static PteVal Entry(Mm mm, ulong addr)
    {
        var pmd = Rmap.MmFindPmd(mm, addr);
        var pte = pmd is null ? null : PteOffsetMap(pmd, addr);
        if (pte is null)
            return PteVal.Empty;
        var v = PtepGet(pte);
        PteUnmap(pte);
        return v;
    }
}
