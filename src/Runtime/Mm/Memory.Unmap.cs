using PtLock.Contracts;

namespace PtLock;

/// <summary>mm/vma.c unmap_region and mm/memory.c unmap_vmas / free_pgtables: tearing down a VMA and its tables.</summary>
public static partial class Memory
{
    /// <summary>
    /// unmap_region: zap every entry of the VMA (markers included), unlink it from its file, then free the page
    /// tables that only it used, between <paramref name="floor"/> (the end of the previous VMA) and
    /// <paramref name="ceiling"/> (the start of the next, 0 for none). Tables go through the mmu_gather, so
    /// lockless walkers still inside them stay safe until a grace period ends.
    /// </summary>
    [Kernel("unmap_region")]
    [Requires("mm.MmapLock")]
    [MaySleep]
    public static void UnmapRegion(Mm mm, Vma vma, ulong floor, ulong ceiling)
    {
        ArgumentNullException.ThrowIfNull(mm);
        ArgumentNullException.ThrowIfNull(vma);
        if (vma.Mm != mm)
            throw new ArgumentException($"{vma} belongs to mm{vma.Mm.Id}, not mm{mm.Id}", nameof(vma));
        if (mm.Machine.Validate && !mm.MmapLock.IsWriteHeldByCurrentThread)
            throw new PtLockViolationException(RuleIds.RequiresLockNotHeld, $"unmap_region({vma}) without the mmap lock held for write");
        var tlb = MmuGather.TlbGatherMmu(mm);
        UnmapSingleVma(tlb, vma, new ZapDetails(ZapFlags.DropMarker | ZapFlags.Unmap));
        FreePgtables(tlb, vma, floor, ceiling);
        MmuGather.TlbFinishMmu(tlb);
    }

    /// <summary>unmap_single_vma: every entry of the VMA, PMD range by PMD range (hugetlb VMAs by huge page).</summary>
    [Kernel("unmap_single_vma")]
    [MaySleep]
    public static void UnmapSingleVma(MmuGather tlb, Vma vma, ZapDetails? details)
    {
        ArgumentNullException.ThrowIfNull(tlb);
        ArgumentNullException.ThrowIfNull(vma);
        if (vma.IsHugetlb)
        {
            Hugetlb.UnmapHugepageRangeFinal(tlb, vma, vma.Start, vma.End, details);
            return;
        }
        ZapPmdRange(tlb, vma, vma.Start, vma.End, details, reclaimEmptyTables: false);
    }

    /// <summary>
    /// free_pgtables: unlink the VMA from its file's i_mmap first (so huge_pmd_share and rmap walkers no longer find
    /// it), then free the tables of its range (hugetlb_free_pgd_range is free_pgd_range on x86).
    /// </summary>
    [Kernel("free_pgtables")]
    public static void FreePgtables(MmuGather tlb, Vma vma, ulong floor, ulong ceiling)
    {
        ArgumentNullException.ThrowIfNull(tlb);
        ArgumentNullException.ThrowIfNull(vma);
        if (vma.File is { } file)
        {
            file.IMmapRwsem.DownWrite();
            try { file.RemoveMapping(vma); } // unlink_file_vma
            finally { file.IMmapRwsem.UpWrite(); }
        }
        FreePgdRange(tlb, vma.Start, vma.End, floor, ceiling);
    }

    /// <summary>
    /// free_pgd_range: free the PTE, PMD and PUD tables that lie wholly inside [floor, ceiling) and cover part of
    /// [addr, end). The entries are already none: the range was zapped and its VMA detached.
    /// </summary>
    [Kernel("free_pgd_range")]
    public static void FreePgdRange(MmuGather tlb, ulong addr, ulong end, ulong floor, ulong ceiling)
    {
        ArgumentNullException.ThrowIfNull(tlb);
        var mm = tlb.Mm;
        addr &= Geometry.PmdMask;
        if (addr < floor)
        {
            addr += Geometry.PmdSize;
            if (addr == 0)
                return;
        }
        if (ceiling != 0)
        {
            ceiling &= Geometry.PmdMask;
            if (ceiling == 0)
                return;
        }
        if (end - 1 > ceiling - 1)
            end -= Geometry.PmdSize;
        if (addr > end - 1)
            return;
        ulong pgdirSize = 1UL << Geometry.PgdirShift(mm.Levels);
        for (ulong next; addr < end; addr = next)
        {
            next = AddrEnd(addr, end, pgdirSize);
            var pgd = Pgtable.PgdOffset(mm, addr);
            if (mm.Levels == 5)
            {
                if (!Pgtable.PgdNone(Pgtable.PgdpGet(pgd)))
                    FreeP4dRange(tlb, pgd, addr, next, floor, ceiling, pgdirSize);
            }
            else
            {
                // With four levels the p4d is the pgd slot itself (folded): free_p4d_range frees nothing of its own.
                FreePudRange(tlb, Pgtable.P4dOffset(pgd, addr), addr, next, floor, ceiling);
            }
        }
    }

    /// <summary>free_p4d_range (five-level paging): the PUD tables below, then the P4D table if wholly inside.</summary>
    private static void FreeP4dRange(MmuGather tlb, Pgd pgd, ulong addr, ulong end, ulong floor, ulong ceiling, ulong pgdirSize)
    {
        ulong start = addr;
        for (ulong next; addr < end; addr = next)
        {
            next = AddrEnd(addr, end, Geometry.P4dSize);
            FreePudRange(tlb, Pgtable.P4dOffset(pgd, addr), addr, next, floor, ceiling);
        }
        if (!CoversWholeTable(start, end, floor, ceiling, pgdirSize))
            return;
        var frame = Pgtable.P4dOffset(pgd, start & ~(pgdirSize - 1)).Frame;
        SchedPoint.Point(SchedPointKind.EntryWrite, pgd);
        pgd.Store(0); // pgd_clear
        frame.InstalledIn = null;
        tlb.RemoveUpperTable(frame); // p4d_free_tlb
    }

    private static void FreePudRange(MmuGather tlb, P4d p4d, ulong addr, ulong end, ulong floor, ulong ceiling)
    {
        var mm = tlb.Mm;
        if (Pgtable.P4dNone(Pgtable.P4dpGet(p4d)))
            return;
        ulong start = addr;
        for (ulong next; addr < end; addr = next)
        {
            next = AddrEnd(addr, end, Geometry.PudSize);
            var pud = Pgtable.PudOffset(p4d, addr);
            if (!Pgtable.PudNone(Pgtable.PudpGet(pud)))
                FreePmdRange(tlb, pud, addr, next, floor, ceiling);
        }
        if (!CoversWholeTable(start, end, floor, ceiling, Geometry.P4dSize))
            return;
        var first = Pgtable.PudOffset(p4d, start & ~(Geometry.P4dSize - 1));
        var frame = first.Frame;
        SchedPoint.Point(SchedPointKind.EntryWrite, p4d);
        p4d.Store(0); // p4d_clear
        frame.InstalledIn = null;
        mm.AddNrPuds(-1);
        tlb.RemoveUpperTable(frame); // pud_free_tlb
    }

    private static void FreePmdRange(MmuGather tlb, Pud pud, ulong addr, ulong end, ulong floor, ulong ceiling)
    {
        var mm = tlb.Mm;
        ulong start = addr;
        for (ulong next; addr < end; addr = next)
        {
            next = Geometry.PmdAddrEnd(addr, end);
            var pmd = Pgtable.PmdOffset(pud, addr);
            var pmdval = Pgtable.PmdpGet(pmd);
            if (pmdval.IsNone)
                continue;
            if (!pmdval.IsTable)
                throw new PtLockViolationException(RuleIds.PageTableCheck,
                    $"free_pgtables: {pmd} still holds {pmdval} after the range was unmapped (pmd_clear_bad would lose it)");
            FreePteRange(tlb, pmd, addr);
        }
        if (!CoversWholeTable(start, end, floor, ceiling, Geometry.PudSize))
            return;
        var first = Pgtable.PmdOffset(pud, start & Geometry.PudMask);
        var table = (PmdTable)first.Frame.Table!;
        SchedPoint.Point(SchedPointKind.EntryWrite, pud);
        pud.Store(0); // pud_clear
        if (ReferenceEquals(table.Frame.InstalledIn, pud))
            table.Frame.InstalledIn = null;
        mm.AddNrPmds(-1);
        MmuGather.PmdFreeTlb(tlb, table, start);
    }

    /// <summary>free_pte_range: detach the (empty) PTE table from its PMD and queue it.</summary>
    private static void FreePteRange(MmuGather tlb, Pmd pmd, ulong addr)
    {
        var mm = tlb.Mm;
        var table = Pgtable.PmdPgtable(mm, Pgtable.PmdpGet(pmd));
        // pmd_clear without the PMD lock, as the kernel does: the VMA is detached under the mmap write lock, and
        // the only walkers left are lockless ones, which the RCU-deferred free keeps safe.
        Pgtable.WritePmd(pmd, PmdVal.Empty);
        LinuxMm.MmDecNrPtes(mm);
        MmuGather.PteFreeTlb(tlb, table, addr);
    }

    /// <summary>The floor/ceiling test of free_p?d_range: may the table covering [start, end) at this level go?</summary>
    private static bool CoversWholeTable(ulong start, ulong end, ulong floor, ulong ceiling, ulong levelSize)
    {
        ulong mask = ~(levelSize - 1);
        start &= mask;
        if (start < floor)
            return false;
        if (ceiling != 0)
        {
            ceiling &= mask;
            if (ceiling == 0)
                return false;
        }
        return end - 1 <= ceiling - 1;
    }

    /// <summary>p?d_addr_end: the next boundary of <paramref name="size"/> after addr, capped at end.</summary>
    private static ulong AddrEnd(ulong addr, ulong end, ulong size)
    {
        ulong boundary = (addr + size) & ~(size - 1);
        return boundary - 1 < end - 1 ? boundary : end;
    }

    /// <summary>
    /// exit_mmap (from mmput): unmap every VMA (markers dropped: the whole mapping goes), unlink them from their
    /// files, free every page table through the mmu_gather, then the PGD (mm_free_pgd). The mm is dead afterwards:
    /// any further operation on it throws <see cref="MmTornDownException"/>.
    /// </summary>
    [Kernel("exit_mmap")]
    [MaySleep]
    public static void ExitMmap(Mm mm)
    {
        ArgumentNullException.ThrowIfNull(mm);
        mm.CheckAlive("exit_mmap");
        mm.MmapLock.DownWrite();
        try
        {
            mm.CheckAlive("exit_mmap"); // a second exit that waited for the lock finds the mm gone
            var vmas = mm.DetachAllVmas();
            var tlb = MmuGather.TlbGatherMmu(mm);
            var details = new ZapDetails(ZapFlags.DropMarker | ZapFlags.Unmap);
            foreach (var vma in vmas)
                UnmapSingleVma(tlb, vma, details);
            foreach (var vma in vmas)
            {
                if (vma.File is { } file)
                {
                    file.IMmapRwsem.DownWrite();
                    try { file.RemoveMapping(vma); }
                    finally { file.IMmapRwsem.UpWrite(); }
                }
            }
            // FIRST_USER_ADDRESS .. TASK_SIZE with no neighbours: every table goes.
            FreePgdRange(tlb, 0, mm.TaskSize, 0, 0);
            MmuGather.TlbFinishMmu(tlb);
            mm.MarkDead();
        }
        finally
        {
            mm.MmapLock.UpWrite();
        }
        PageTableCtor.Destroy(mm.PgdFrame, "pgd_free", immediate: true);
    }
}
