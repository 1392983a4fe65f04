using PtLock.Contracts;

namespace PtLock;

/// <summary>
/// struct mmu_gather (mm/mmu_gather.c, include/asm-generic/tlb.h): batches pages and page tables freed
/// while unmapping, flushes the TLB, and frees tables only after a grace period (tlb_remove_table_rcu),
/// because lockless walkers may still be reading them.
/// </summary>
[Kernel("struct mmu_gather")]
public sealed class MmuGather
{
    private readonly List<PageFrame> _tables = new();
    private readonly List<Folio> _folios = new();
    private bool _finished;

    private MmuGather(Mm mm) => Mm = mm;

    public Mm Mm { get; }

    /// <summary>Set once a table was queued (tlb->freed_tables).</summary>
    public bool FreedTables { get; private set; }

    /// <summary>tlb_gather_mmu.</summary>
    [Kernel("tlb_gather_mmu")]
    public static MmuGather TlbGatherMmu(Mm mm)
    {
        ArgumentNullException.ThrowIfNull(mm);
        mm.CheckAlive("tlb_gather_mmu");
        return new MmuGather(mm);
    }

    /// <summary>tlb_remove_table: queue a detached table to be freed after the flush and a grace period.</summary>
    [Kernel("tlb_remove_table")]
    [FreesTableDeferred("table")]
    public static void TlbRemoveTable(MmuGather tlb, PteTable table)
    {
        ArgumentNullException.ThrowIfNull(tlb);
        ArgumentNullException.ThrowIfNull(table);
        table.CheckLive("tlb_remove_table");
        tlb.RemoveTableFrame(table.Frame, "tlb_remove_table");
    }

    /// <summary>pmd_free_tlb: queue a detached PMD table (free_pmd_range, hugetlb teardown).</summary>
    [Kernel("pmd_free_tlb")]
    [FreesTableDeferred("table")]
    public static void PmdFreeTlb(MmuGather tlb, PmdTable table, ulong addr)
    {
        ArgumentNullException.ThrowIfNull(tlb);
        ArgumentNullException.ThrowIfNull(table);
        table.CheckLive("pmd_free_tlb");
        if (table.Frame.ShareCount > 0)
            throw new PtLockViolationException(RuleIds.HugetlbWindowUnlocked,
                $"pmd_free_tlb({table.Frame}): {table.Frame.ShareCount} other mm(s) still share this PMD table; huge_pmd_unshare first");
        tlb.RemoveTableFrame(table.Frame, "pmd_free_tlb");
    }

    /// <summary>pud_free_tlb / p4d_free_tlb: upper tables are freed the same way.</summary>
    internal void RemoveUpperTable(PageFrame frame) => RemoveTableFrame(frame, "pud_free_tlb");

    private void RemoveTableFrame(PageFrame frame, string op)
    {
        CheckOpen(op);
        if (frame.FreePending)
            throw new PtLockViolationException(RuleIds.StaleFrame, $"{op}({frame}): already queued to be freed");
        frame.FreePending = true;
        FreedTables = true;
        _tables.Add(frame);
    }

    /// <summary>pte_free_tlb: tlb_flush_pmd_range + tlb_remove_table.</summary>
    [Kernel("pte_free_tlb")]
    [FreesTableDeferred("table")]
    public static void PteFreeTlb(MmuGather tlb, PteTable table, ulong addr) => TlbRemoveTable(tlb, table);

    /// <summary>tlb_remove_folio: drop the reference the unmapped entry held, after the flush.</summary>
    [Kernel("tlb_remove_folio")]
    public static void TlbRemoveFolio(MmuGather tlb, Folio folio)
    {
        ArgumentNullException.ThrowIfNull(tlb);
        ArgumentNullException.ThrowIfNull(folio);
        tlb.CheckOpen("tlb_remove_folio");
        tlb._folios.Add(folio);
    }

    /// <summary>tlb_flush_mmu: flush the TLB, then free the batched folios and hand the tables to RCU.</summary>
    [Kernel("tlb_flush_mmu")]
    public static void TlbFlushMmu(MmuGather tlb)
    {
        ArgumentNullException.ThrowIfNull(tlb);
        tlb.CheckOpen("tlb_flush_mmu");
        if (tlb._tables.Count == 0 && tlb._folios.Count == 0)
            return;
        tlb.Mm.Machine.CountTlbFlush();
        foreach (var folio in tlb._folios)
            folio.Put();
        tlb._folios.Clear();
        if (tlb._tables.Count == 0)
            return;
        var batch = tlb._tables.ToArray();
        tlb._tables.Clear();
        if (tlb.Mm.Machine.Validate)
            foreach (var t in batch)
                if (t.InstalledIn is { } slot)
                    throw new PtLockViolationException(RuleIds.DetachedTableFreedUnsafely,
                        $"tlb_remove_table({t}): the table is still installed in {slot} at the flush");
        Rcu.Call(() =>
        {
            foreach (var t in batch)
                PageTableCtor.Destroy(t, "tlb_remove_table_rcu", immediate: false);
        });
    }

    /// <summary>tlb_finish_mmu: flush what is left; the gather cannot be used afterwards.</summary>
    [Kernel("tlb_finish_mmu")]
    public static void TlbFinishMmu(MmuGather tlb)
    {
        ArgumentNullException.ThrowIfNull(tlb);
        TlbFlushMmu(tlb);
        tlb._finished = true;
    }

    public int PendingTables => _tables.Count;

    private void CheckOpen(string op)
    {
        if (_finished)
            throw new InvalidOperationException($"{op} on an mmu_gather after tlb_finish_mmu");
    }
}
