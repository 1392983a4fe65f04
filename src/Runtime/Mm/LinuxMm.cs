using PtLock.Contracts;

namespace PtLock;

/// <summary>include/linux/mm.h: page-table locks and allocation helpers, for <c>using static PtLock.LinuxMm;</c>.</summary>
public static class LinuxMm
{
    /// <summary>pmd_lockptr: the split lock of the PMD table holding <paramref name="pmd"/>, or mm->page_table_lock.</summary>
    [Kernel("pmd_lockptr")]
    [ReturnsCapability("PmdLockptr(mm, pmd)")]
    public static Ptl PmdLockptr(Mm mm, Pmd pmd)
    {
        ArgumentNullException.ThrowIfNull(mm);
        ArgumentNullException.ThrowIfNull(pmd);
        return pmd.Frame.Ptl ?? mm.PageTableLock;
    }

    /// <summary>pmd_lock: take and return the PMD lock.</summary>
    [Kernel("pmd_lock")]
    [Acquires("return")]
    [ReturnsCapability("PmdLockptr(mm, pmd)")]
    public static Ptl PmdLock(Mm mm, Pmd pmd)
    {
        pmd?.CheckMm(mm, nameof(mm));
        var ptl = PmdLockptr(mm, pmd!);
        ptl.Lock(0);
        return ptl;
    }

    /// <summary>pud_lockptr: always mm->page_table_lock.</summary>
    [Kernel("pud_lockptr")]
    [ReturnsCapability("PudLockptr(mm, pud)")]
    public static Ptl PudLockptr(Mm mm, Pud pud)
    {
        ArgumentNullException.ThrowIfNull(mm);
        ArgumentNullException.ThrowIfNull(pud);
        return mm.PageTableLock;
    }

    [Kernel("pud_lock")]
    [Acquires("return")]
    [ReturnsCapability("PudLockptr(mm, pud)")]
    public static Ptl PudLock(Mm mm, Pud pud)
    {
        var ptl = PudLockptr(mm, pud);
        ptl.Lock(0);
        return ptl;
    }

    /// <summary>
    /// pte_lockptr (mainline): dereferences <paramref name="pmd"/> and returns the lock of the PTE table it
    /// points to. Only sound on a stable PMD: with the PMD lock held and the PMD rechecked under it.
    /// </summary>
    [Kernel("pte_lockptr")]
    [ReturnsCapability("PteLockptr(mm, pmd)")]
    [RequiresStable("pmd", "PmdLockptr(mm, pmd)")]
    public static Ptl PteLockptr(Mm mm, Pmd pmd)
    {
        ArgumentNullException.ThrowIfNull(pmd);
        pmd.CheckMm(mm, nameof(mm));
        return PteLockptr(mm, Pgtable.PmdpGet(pmd));
    }

    /// <summary>pte_lockptr(mm, &amp;pmdval): the lock of the PTE table a PMD snapshot points to.</summary>
    [Kernel("pte_lockptr")]
    [ReturnsCapability("PteLockptr(mm, pmdval)")]
    public static Ptl PteLockptr(Mm mm, in PmdVal pmdval)
    {
        ArgumentNullException.ThrowIfNull(mm);
        var machine = mm.Machine;
        if (!pmdval.IsTable)
        {
            if (machine.Checked)
                throw new PtLockViolationException(RuleIds.PteLockptrUnstablePmd,
                    $"pte_lockptr on a PMD that points to no PTE table ({pmdval}): the PMD changed; take the PMD lock and recheck it, or use pte_offset_map_rw_nolock");
            throw new KernelOopsException($"pte_lockptr: ptlock_ptr(pmd_page({pmdval})) is not a page table's lock");
        }
        var frame = machine.Memory.FrameOf(pmdval.Pfn);
        if (frame.Kind != FrameKind.PteTable)
        {
            if (machine.Checked)
                throw new PtLockViolationException(RuleIds.PteLockptrUnstablePmd,
                    $"pte_lockptr: the PMD value {pmdval} points at {frame.Describe()}, no longer a PTE table");
            if (frame.Kind == FrameKind.Data)
                throw new KernelOopsException($"pte_lockptr: {frame.Describe()} holds no spinlock");
        }
        if (!machine.Options.SplitPteLocks)
            return mm.PageTableLock;
        return frame.Ptl ?? throw new KernelOopsException($"pte_lockptr: {frame.Describe()} has no ptlock");
    }

    /// <summary>pte_lockptr for a PMD value already resolved to its (live) table frame by a walker.</summary>
    internal static Ptl PteLockptrOfMappedTable(Mm mm, PageFrame table) =>
        mm.Machine.Options.SplitPteLocks && table.Ptl is { } ptl ? ptl : mm.PageTableLock;

    /// <summary>ptep_lockptr: the lock of the table that holds <paramref name="pte"/> (no PMD dereference).</summary>
    [Kernel("ptep_lockptr")]
    [ReturnsCapability("PtepLockptr(mm, pte)")]
    public static Ptl PtepLockptr(Mm mm, Pte pte)
    {
        ArgumentNullException.ThrowIfNull(mm);
        ArgumentNullException.ThrowIfNull(pte);
        var frame = pte.Frame;
        bool split = frame.Kind == FrameKind.PmdTable ? mm.Machine.Options.SplitPmdLocks : mm.Machine.Options.SplitPteLocks;
        if (!split)
            return mm.PageTableLock;
        if (frame.Generation != pte.Generation && mm.Machine.Checked)
            throw new PtLockViolationException(frame.LastWasSharedHugetlbPmd ? RuleIds.HugetlbWindowUnlocked : RuleIds.UseAfterUnmap,
                $"ptep_lockptr({pte}): the table page was freed: {frame.Describe()}");
        if (frame.Kind == FrameKind.Data)
            throw new KernelOopsException($"ptep_lockptr({pte}): the table page is now a data page");
        return frame.Ptl ?? throw new KernelOopsException($"ptep_lockptr({pte}): {frame.Describe()} holds no ptlock");
    }

    /// <summary>
    /// pte_alloc: make sure the PMD points to a PTE table. Returns <c>true</c> on failure (out of memory),
    /// as the kernel's macro returns non-zero: <c>if (PteAlloc(mm, pmd)) return VmFaultOom;</c>.
    /// </summary>
    [Kernel("pte_alloc")]
    [MaySleep]
    public static bool PteAlloc(Mm mm, Pmd pmd)
    {
        ArgumentNullException.ThrowIfNull(pmd);
        return Pgtable.PmdpGet(pmd).IsNone && Memory.PteAllocCore(mm, pmd) != 0;
    }

    /// <summary>pte_alloc_map_lock: allocate if needed, then pte_offset_map_lock (which may still fail).</summary>
    [Kernel("pte_alloc_map_lock")]
    [Fallible]
    [MapsPte]
    [MaySleep]
    [TryAcquires(Success.NonNull, "Rcu.Global", "ptl")]
    public static Pte? PteAllocMapLock(Mm mm, Pmd pmd, ulong addr, [ReturnsCapability("PtepLockptr(mm, return)")] out Ptl ptl)
    {
        if (PteAlloc(mm, pmd))
        {
            ptl = null!;
            return null;
        }
        return PgtableGeneric.PteOffsetMapLock(mm, pmd, addr, out ptl);
    }

    /// <summary>pmd_alloc: the PMD slot for <paramref name="addr"/>, allocating the PMD table; null when out of memory.</summary>
    [Kernel("pmd_alloc")]
    [MaySleep]
    public static Pmd? PmdAlloc(Mm mm, Pud pud, ulong addr)
    {
        ArgumentNullException.ThrowIfNull(pud);
        if (Pgtable.PudpGet(pud).IsNone && Memory.PmdAllocCore(mm, pud) != 0)
            return null;
        return Pgtable.PmdOffset(pud, addr);
    }

    [Kernel("pud_alloc")]
    [MaySleep]
    public static Pud? PudAlloc(Mm mm, P4d p4d, ulong addr)
    {
        ArgumentNullException.ThrowIfNull(p4d);
        if (Pgtable.P4dpGet(p4d).IsNone && Memory.UpperAllocCore(mm, p4d, FrameKind.PudTable) != 0)
            return null;
        return Pgtable.PudOffset(p4d, addr);
    }

    [Kernel("p4d_alloc")]
    [MaySleep]
    public static P4d? P4dAlloc(Mm mm, Pgd pgd, ulong addr)
    {
        ArgumentNullException.ThrowIfNull(pgd);
        if (mm.Levels == 5 && Pgtable.PgdpGet(pgd).IsNone && Memory.UpperAllocCore(mm, pgd, FrameKind.P4dTable) != 0)
            return null;
        return Pgtable.P4dOffset(pgd, addr);
    }

    /// <summary>Walk to the PMD slot for <paramref name="addr"/>, allocating upper levels (as __handle_mm_fault does).</summary>
    public static Pmd? PmdAllocWalk(Mm mm, ulong addr)
    {
        var pgd = Pgtable.PgdOffset(mm, addr);
        var p4d = P4dAlloc(mm, pgd, addr);
        if (p4d is null)
            return null;
        var pud = PudAlloc(mm, p4d, addr);
        return pud is null ? null : PmdAlloc(mm, pud, addr);
    }

    [Kernel("mm_inc_nr_ptes")] public static void MmIncNrPtes(Mm mm) => mm.AddNrPtes(1);
    [Kernel("mm_dec_nr_ptes")] public static void MmDecNrPtes(Mm mm) => mm.AddNrPtes(-1);
}
