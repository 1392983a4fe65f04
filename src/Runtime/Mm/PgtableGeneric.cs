using PtLock.Contracts;

namespace PtLock;

/// <summary>
/// mm/pgtable-generic.c: the PTE-table walkers (modelled on mainline __pte_offset_map) and the deferred
/// table free. A walker enters an RCU read section, reads the PMD once, and fails (null, nothing held) if
/// that value is none, a migration entry, a huge leaf or bad.
/// </summary>
public static class PgtableGeneric
{
    /// <summary>pte_offset_map: map the PTE table for <paramref name="addr"/> locklessly; null on a race.</summary>
    [Kernel("pte_offset_map")]
    [Fallible]
    [MapsPte]
    [TryAcquires(Success.NonNull, "Rcu.Global")]
    public static Pte? PteOffsetMap(Pmd pmd, ulong addr) => PteOffsetMapCore(pmd, addr, out _);

    /// <summary>__pte_offset_map: as <see cref="PteOffsetMap"/>, also delivering the PMD value it used.</summary>
    [Kernel("__pte_offset_map")]
    [Fallible]
    [MapsPte]
    [TryAcquires(Success.NonNull, "Rcu.Global")]
    public static Pte? PteOffsetMapCore(Pmd pmd, ulong addr, out PmdVal pmdval)
    {
        ArgumentNullException.ThrowIfNull(pmd);
        if (Geometry.PmdIndex(addr) != pmd.Index || (pmd.OwnerMm is { } mm && addr >= mm.TaskSize))
            ThrowBadAddress(pmd, addr);
        Rcu.ReadLock();
        pmdval = Pgtable.PmdpGetLockless(pmd);
        if (pmdval.IsTable)
            return PteMap(pmd.Machine, pmdval, addr);
        // The kernel's order: none or migration, then a huge leaf, then a corrupted entry.
        if (!(pmdval.IsNone || pmdval.IsMigration || pmdval.IsTransHuge || pmdval.IsDevmap) && pmdval.IsBad)
            Pgtable.PmdClearBad(pmd);
        Rcu.ReadUnlock();
        return null;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void ThrowBadAddress(Pmd pmd, ulong addr)
    {
        if (pmd.OwnerMm is { } mm)
            Pgtable.CheckUserAddress(mm, addr, nameof(addr));
        throw new ArgumentException($"address {addr:x} is not covered by {pmd}", nameof(addr));
    }

    /// <summary>__pte_map: the PTE pointer inside the table a PMD value points to (already in RCU).</summary>
    [Requires("Rcu.Global")]
    private static Pte PteMap(Machine machine, in PmdVal pmdval, ulong addr)
    {
        var frame = machine.Memory.FrameOf(pmdval.Pfn);
        if (frame.Kind != FrameKind.PteTable && machine.Checked)
        {
            Rcu.ReadUnlock();
            throw new PtLockViolationException(RuleIds.PublishedTableFreedNow,
                $"pte_offset_map: the PMD value {pmdval} points at {frame.Describe()}: a table was freed while still reachable");
        }
        var pte = Pte.At(frame, frame.Generation, Geometry.PteIndex(addr));
        if (machine.Validate)
            LockDep.Mapped(frame);
        return pte;
    }

    /// <summary>
    /// pte_offset_map_lock: map and lock the PTE table; after taking the ptl it rechecks that the PMD
    /// still points to the same table, retrying if not. Null (nothing held) when there is no table.
    /// </summary>
    [Kernel("pte_offset_map_lock")]
    [Fallible]
    [MapsPte]
    [TryAcquires(Success.NonNull, "Rcu.Global", "ptl")]
    public static Pte? PteOffsetMapLock(Mm mm, Pmd pmd, ulong addr, [ReturnsCapability("PtepLockptr(mm, return)")] out Ptl ptl)
    {
        ArgumentNullException.ThrowIfNull(pmd);
        pmd.CheckMm(mm, nameof(mm));
        while (true)
        {
            var pte = PteOffsetMapCore(pmd, addr, out var pmdval);
            if (pte is null)
            {
                ptl = null!;
                return null;
            }
            var lockptr = LinuxMm.PteLockptrOfMappedTable(mm, pte.Frame);
            lockptr.Lock(0);
            if (Pgtable.PmdSame(pmdval, Pgtable.PmdpGetLockless(pmd)))
            {
                ptl = lockptr;
                return pte;
            }
            PteUnmapUnlock(pte, lockptr);
        }
    }

    /// <summary>
    /// pte_offset_map_nolock (before 6.13): map without locking and deliver the ptl. Kept for seed-era
    /// code; mainline splits it into the ro and rw variants.
    /// </summary>
    [Kernel("pte_offset_map_nolock")]
    [Fallible]
    [MapsPte]
    [TryAcquires(Success.NonNull, "Rcu.Global")]
    public static Pte? PteOffsetMapNolock(Mm mm, Pmd pmd, ulong addr, [ReturnsCapability("PtepLockptr(mm, return)")] out Ptl ptl)
        => PteOffsetMapRoNolock(mm, pmd, addr, out ptl);

    /// <summary>pte_offset_map_ro_nolock: map for reading; the delivered ptl must not be used to write.</summary>
    [Kernel("pte_offset_map_ro_nolock")]
    [Fallible]
    [MapsPte(ReadOnly = true)]
    [TryAcquires(Success.NonNull, "Rcu.Global")]
    public static Pte? PteOffsetMapRoNolock(Mm mm, Pmd pmd, ulong addr, [ReturnsCapability("PtepLockptr(mm, return)")] out Ptl ptl)
    {
        ArgumentNullException.ThrowIfNull(pmd);
        pmd.CheckMm(mm, nameof(mm));
        var pte = PteOffsetMapCore(pmd, addr, out var pmdval);
        ptl = pte is null ? null! : LinuxMm.PteLockptrOfMappedTable(mm, pte.Frame);
        return pte;
    }

    /// <summary>
    /// pte_offset_map_rw_nolock: map, deliver the ptl and the PMD value used. Before writing, the caller
    /// takes the ptl and rechecks <c>PmdSame(pmdval, PmdpGetLockless(pmd))</c> (or a non-none PteSame).
    /// </summary>
    [Kernel("pte_offset_map_rw_nolock")]
    [Fallible]
    [MapsPte(NeedsRevalidation = true)]
    [TryAcquires(Success.NonNull, "Rcu.Global")]
    public static Pte? PteOffsetMapRwNolock(Mm mm, Pmd pmd, ulong addr, [LocklessSnapshot] out PmdVal pmdval, [ReturnsCapability("PtepLockptr(mm, return)")] out Ptl ptl)
    {
        ArgumentNullException.ThrowIfNull(pmd);
        pmd.CheckMm(mm, nameof(mm));
        var pte = PteOffsetMapCore(pmd, addr, out pmdval);
        ptl = pte is null ? null! : LinuxMm.PteLockptrOfMappedTable(mm, pte.Frame);
        return pte;
    }

    /// <summary>pte_unmap: leave the RCU read section a successful map entered.</summary>
    [Kernel("pte_unmap")]
    [UnmapsPte("pte")]
    [Releases("Rcu.Global")]
    public static void PteUnmap(Pte pte)
    {
        ArgumentNullException.ThrowIfNull(pte);
        if (pte.Machine.Validate && !LockDep.Unmapped(pte.Frame))
            throw new PtLockViolationException(RuleIds.PteMapUnmapPairing,
                $"pte_unmap({pte}) of a table this thread has not mapped (unmapped twice, or never mapped)");
        Rcu.ReadUnlock();
    }

    /// <summary>pte_unmap_unlock: spin_unlock(ptl) then pte_unmap(pte).</summary>
    [Kernel("pte_unmap_unlock")]
    [UnmapsPte("pte")]
    [Releases("ptl", "Rcu.Global")]
    public static void PteUnmapUnlock(Pte pte, Ptl ptl)
    {
        Spinlock.SpinUnlock(ptl);
        PteUnmap(pte);
    }

    /// <summary>
    /// pmdp_collapse_flush: clear a PMD that points to a PTE table and flush the TLB for its range, returning the
    /// old value. Needs the PMD lock.
    /// </summary>
    [Kernel("pmdp_collapse_flush")]
    [EntryWrite("pmd")]
    [Requires("PmdLockptr(vma.Mm, pmd)")]
    public static PmdVal PmdpCollapseFlush(Vma vma, ulong address, Pmd pmd)
    {
        ArgumentNullException.ThrowIfNull(vma);
        var old = Pgtable.PmdpGetAndClear(vma.Mm, address, pmd);
        if (old.IsTransHuge)
            throw new InvalidOperationException($"pmdp_collapse_flush on a huge PMD {old}");
        vma.Mm.Machine.CountTlbFlush();
        return old;
    }

    /// <summary>
    /// pte_free_defer: free a detached PTE table after an RCU grace period, so walkers that mapped it
    /// before it was detached can finish reading it.
    /// </summary>
    [Kernel("pte_free_defer")]
    [FreesTableDeferred("table")]
    public static void PteFreeDefer(Mm mm, PteTable table)
    {
        ArgumentNullException.ThrowIfNull(mm);
        ArgumentNullException.ThrowIfNull(table);
        table.CheckLive("pte_free_defer");
        SchedPoint.Point(SchedPointKind.TableFree, table);
        var frame = table.Frame;
        if (frame.FreePending)
            throw new PtLockViolationException(RuleIds.StaleFrame, $"pte_free_defer({frame}): the table is already queued to be freed");
        if (mm.Machine.Validate)
        {
            if (frame.InstalledIn is { } slot)
                throw new PtLockViolationException(RuleIds.DetachedTableFreedUnsafely,
                    $"pte_free_defer({frame}): the table is still installed in {slot}; clear the PMD first");
            if (frame.Kind == FrameKind.PteTable && frame.Entries is { } entries)
                foreach (ulong e in entries)
                    if (!new PteVal(e).IsNone)
                        throw new PtLockViolationException(RuleIds.PmdRecheckAfterLock,
                            $"pte_free_defer({frame}): the table still holds {new PteVal(e)}; a live table is being freed (was the PMD rechecked under its lock?)");
        }
        frame.FreePending = true;
        Rcu.Call(() => PageTableCtor.Destroy(frame, "pte_free_defer (RCU callback)", immediate: false));
    }
}
