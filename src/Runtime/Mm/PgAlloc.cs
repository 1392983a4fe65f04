using PtLock.Contracts;

namespace PtLock;

/// <summary>include/asm-generic/pgalloc.h: allocate and free page-table pages.</summary>
public static class PgAlloc
{
    /// <summary>pte_alloc_one + pagetable_pte_ctor: a private, empty PTE table, or null when out of memory.</summary>
    [Kernel("pte_alloc_one")]
    public static PteTable? PteAllocOne(Mm mm)
    {
        ArgumentNullException.ThrowIfNull(mm);
        mm.CheckAlive("pte_alloc_one");
        SchedPoint.Point(SchedPointKind.TableAlloc);
        var frame = mm.Machine.Memory.Alloc(FrameKind.PteTable);
        if (frame is null)
            return null;
        PageTableCtor.Construct(frame, mm, FrameKind.PteTable);
        return (PteTable)frame.Table!;
    }

    /// <summary>
    /// pte_free: free a PTE table at once. Only for a table that was never installed in a PMD: a lockless
    /// walker may still be reading a table that was (use <see cref="PgtableGeneric.PteFreeDefer"/>).
    /// </summary>
    [Kernel("pte_free")]
    [FreesTableNow("table")]
    public static void PteFree(Mm mm, PteTable table)
    {
        ArgumentNullException.ThrowIfNull(mm);
        ArgumentNullException.ThrowIfNull(table);
        table.CheckLive("pte_free");
        SchedPoint.Point(SchedPointKind.TableFree, table);
        var frame = table.Frame;
        if (frame.FreePending)
            throw new PtLockViolationException(RuleIds.StaleFrame, $"pte_free of {frame}, whose deferred free is already pending");
        if (mm.Machine.Validate && frame.EverPublished)
            throw new PtLockViolationException(RuleIds.PublishedTableFreedNow,
                $"pte_free({frame}): the table was installed in a PMD, so lockless walkers may hold it; free it with pte_free_defer or tlb_remove_table");
        PageTableCtor.Destroy(frame, "pte_free", immediate: true);
    }

    /// <summary>pmd_alloc_one + pagetable_pmd_ctor.</summary>
    [Kernel("pmd_alloc_one")]
    public static PmdTable? PmdAllocOne(Mm mm)
    {
        ArgumentNullException.ThrowIfNull(mm);
        mm.CheckAlive("pmd_alloc_one");
        var frame = mm.Machine.Memory.Alloc(FrameKind.PmdTable);
        if (frame is null)
            return null;
        PageTableCtor.Construct(frame, mm, FrameKind.PmdTable);
        return (PmdTable)frame.Table!;
    }

    /// <summary>pmd_free: a PMD table that lost the race to be installed.</summary>
    [Kernel("pmd_free")]
    public static void PmdFree(Mm mm, PmdTable table)
    {
        ArgumentNullException.ThrowIfNull(mm);
        ArgumentNullException.ThrowIfNull(table);
        table.CheckLive("pmd_free");
        PageTableCtor.Destroy(table.Frame, "pmd_free", immediate: true);
    }

    /// <summary>pud_alloc_one / p4d_alloc_one: upper tables are plain pages.</summary>
    internal static PageFrame? UpperAllocOne(Mm mm, FrameKind kind)
    {
        var frame = mm.Machine.Memory.Alloc(kind);
        if (frame is not null)
            PageTableCtor.Construct(frame, mm, kind);
        return frame;
    }
}
