using PtLock.Contracts;

namespace PtLock;

/// <summary>
/// Entry values and accessors: include/linux/pgtable.h and arch/x86/include/asm/pgtable.h, for
/// <c>using static PtLock.Pgtable;</c>. Writes to user page tables check, when the machine validates,
/// that the lock of the table being written is held (lockdep_assert_held) and keep page_table_check's
/// counters.
/// </summary>
public static class Pgtable
{
    // ---- PTE values ----
    /// <summary>pte_none: on an entry read under the ptl, this is the recheck before installing.</summary>
    [Kernel("pte_none")]
    [Recheck("pte-none")]
    public static bool PteNone(PteVal pte) => pte.IsNone;
    [Kernel("pte_present")] public static bool PtePresent(PteVal pte) => pte.IsPresent;
    [Kernel("pte_write")] public static bool PteWrite(PteVal pte) => pte.IsWrite;
    [Kernel("pte_dirty")] public static bool PteDirty(PteVal pte) => pte.IsDirty;
    [Kernel("pte_young")] public static bool PteYoung(PteVal pte) => pte.IsYoung;
    [Kernel("pte_special")] public static bool PteSpecial(PteVal pte) => pte.IsSpecial;
    [Kernel("pte_pfn")] public static ulong PtePfn(PteVal pte) => pte.Pfn;
    [Kernel("pte_uffd_wp")] public static bool PteUffdWp(PteVal pte) => pte.IsPresent && pte.IsUffdWp;
    [Kernel("pte_swp_uffd_wp")] public static bool PteSwpUffdWp(PteVal pte) => pte.IsSwap && pte.IsUffdWp;
    [Kernel("is_swap_pte")] public static bool IsSwapPte(PteVal pte) => pte.IsSwap;
    [Kernel("pte_none_mostly")]
    [Recheck("pte-none")]
    public static bool PteNoneMostly(PteVal pte) => pte.IsNoneMostly;
    [Kernel("is_pte_marker")] public static bool IsPteMarker(PteVal pte) => pte.IsMarker;
    [Kernel("pte_marker_uffd_wp")] public static bool PteMarkerUffdWp(PteVal pte) => pte.IsUffdWpMarker;

    /// <summary>pte_same: a recheck of an entry read earlier against the current one.</summary>
    [Kernel("pte_same")]
    [Recheck("pte", UnchangedWhen = true)]
    public static bool PteSame(PteVal a, PteVal b) => a.Raw == b.Raw;

    [Kernel("pfn_pte")] public static PteVal PfnPte(ulong pfn, PgProt prot) => PteVal.FromPfn(pfn, prot);
    [Kernel("pte_mkwrite")] public static PteVal PteMkwrite(PteVal pte) => pte.With(EntryBits.Rw);
    [Kernel("pte_wrprotect")] public static PteVal PteWrprotect(PteVal pte) => pte.Without(EntryBits.Rw);
    [Kernel("pte_mkdirty")] public static PteVal PteMkdirty(PteVal pte) => pte.With(EntryBits.Dirty | EntryBits.SoftDirty);
    [Kernel("pte_mkclean")] public static PteVal PteMkclean(PteVal pte) => pte.Without(EntryBits.Dirty);
    [Kernel("pte_mkyoung")] public static PteVal PteMkyoung(PteVal pte) => pte.With(EntryBits.Accessed);
    [Kernel("pte_mkold")] public static PteVal PteMkold(PteVal pte) => pte.Without(EntryBits.Accessed);
    [Kernel("pte_mkspecial")] public static PteVal PteMkspecial(PteVal pte) => pte.With(EntryBits.Special);
    [Kernel("pte_mkuffd_wp")] public static PteVal PteMkuffdWp(PteVal pte) => PteWrprotect(pte).With(EntryBits.UffdWp);
    [Kernel("pte_clear_uffd_wp")] public static PteVal PteClearUffdWp(PteVal pte) => pte.Without(EntryBits.UffdWp);
    [Kernel("pte_swp_mkuffd_wp")] public static PteVal PteSwpMkuffdWp(PteVal pte) => pte.With(EntryBits.SwpUffdWp);
    [Kernel("pte_swp_clear_uffd_wp")] public static PteVal PteSwpClearUffdWp(PteVal pte) => pte.Without(EntryBits.SwpUffdWp);
    [Kernel("pte_to_swp_entry")] public static SwapEntry PteToSwpEntry(PteVal pte) => pte.ToSwapEntry();
    [Kernel("swp_entry_to_pte")] public static PteVal SwpEntryToPte(SwapEntry entry) => PteVal.FromSwapEntry(entry);
    [Kernel("make_pte_marker")] public static PteVal MakePteMarker(PteMarker marker) => PteVal.Marker(marker);

    // ---- PMD values ----
    /// <summary>pmd_none: on a PMD read under the PMD lock, the recheck before populating it.</summary>
    [Kernel("pmd_none")]
    [Recheck("pmd-none")]
    public static bool PmdNone(PmdVal pmd) => pmd.IsNone;
    [Kernel("pmd_present")] public static bool PmdPresent(PmdVal pmd) => pmd.IsPresent;
    [Kernel("pmd_trans_huge")] public static bool PmdTransHuge(PmdVal pmd) => pmd.IsTransHuge;
    [Kernel("pmd_leaf")] public static bool PmdLeaf(PmdVal pmd) => pmd.IsLeaf;
    [Kernel("pmd_bad")] public static bool PmdBad(PmdVal pmd) => pmd.IsBad;
    [Kernel("pmd_devmap")] public static bool PmdDevmap(PmdVal pmd) => pmd.IsDevmap;
    [Kernel("is_pmd_migration_entry")] public static bool IsPmdMigrationEntry(PmdVal pmd) => pmd.IsMigration;
    [Kernel("pmd_pfn")] public static ulong PmdPfn(PmdVal pmd) => pmd.Pfn;

    /// <summary>pmd_same: a recheck of a PMD snapshot against the current value.</summary>
    [Kernel("pmd_same")]
    [Recheck("pmd", UnchangedWhen = true)]
    public static bool PmdSame(PmdVal a, PmdVal b) => a.Raw == b.Raw;

    /// <summary>pmd_pgtable: the PTE table a PMD value points to.</summary>
    [Kernel("pmd_pgtable")]
    [PublishedTable]
    public static PteTable PmdPgtable(Mm mm, PmdVal pmd)
    {
        ArgumentNullException.ThrowIfNull(mm);
        if (!pmd.IsTable)
            throw new ArgumentException($"pmd_pgtable of {pmd}, which points to no PTE table", nameof(pmd));
        var frame = mm.Machine.Memory.FrameOf(pmd.Pfn);
        return frame.Table as PteTable
               ?? throw new PtLockViolationException(RuleIds.StaleFrame, $"pmd_pgtable: {frame.Describe()} is not a PTE table");
    }

    // ---- upper levels ----
    [Kernel("pgd_none")] public static bool PgdNone(UpperVal v) => v.IsNone;
    [Kernel("p4d_none")] public static bool P4dNone(UpperVal v) => v.IsNone;
    [Kernel("pud_none")] public static bool PudNone(UpperVal v) => v.IsNone;
    [Kernel("pud_present")] public static bool PudPresent(UpperVal v) => v.IsPresent;
    [Kernel("pud_bad")] public static bool PudBad(UpperVal v) => v.IsBad;

    [Kernel("pgdp_get")] public static UpperVal PgdpGet(Pgd pgd) => ReadUpper(pgd);
    [Kernel("p4dp_get")] public static UpperVal P4dpGet(P4d p4d) => ReadUpper(p4d);
    [Kernel("pudp_get")] public static UpperVal PudpGet(Pud pud) => ReadUpper(pud);

    private static UpperVal ReadUpper(EntryPointer p)
    {
        ArgumentNullException.ThrowIfNull(p);
        SchedPoint.Point(SchedPointKind.EntryRead, p);
        return new UpperVal(p.Load());
    }

    /// <summary>pgd_offset: the PGD slot for <paramref name="addr"/>.</summary>
    [Kernel("pgd_offset")]
    public static Pgd PgdOffset(Mm mm, ulong addr)
    {
        ArgumentNullException.ThrowIfNull(mm);
        mm.CheckAlive("pgd_offset");
        CheckUserAddress(mm, addr, nameof(addr));
        return Pgd.At(mm.PgdFrame, mm.PgdGeneration, Geometry.PgdIndex(addr, mm.Levels));
    }

    /// <summary>p4d_offset: with 4 levels the p4d is the pgd slot itself.</summary>
    [Kernel("p4d_offset")]
    public static P4d P4dOffset(Pgd pgd, ulong addr)
    {
        ArgumentNullException.ThrowIfNull(pgd);
        if (pgd.Machine.Options.PagingLevels == 4)
            return P4d.Folded(pgd);
        var frame = LowerTable(ReadUpper(pgd), pgd, "p4d_offset", FrameKind.P4dTable);
        return P4d.At(frame, frame.Generation, Geometry.P4dIndex(addr));
    }

    [Kernel("pud_offset")]
    public static Pud PudOffset(P4d p4d, ulong addr)
    {
        ArgumentNullException.ThrowIfNull(p4d);
        var frame = LowerTable(ReadUpper(p4d), p4d, "pud_offset", FrameKind.PudTable);
        return Pud.At(frame, frame.Generation, Geometry.PudIndex(addr));
    }

    [Kernel("pmd_offset")]
    public static Pmd PmdOffset(Pud pud, ulong addr)
    {
        ArgumentNullException.ThrowIfNull(pud);
        var frame = LowerTable(ReadUpper(pud), pud, "pmd_offset", FrameKind.PmdTable);
        return Pmd.At(frame, frame.Generation, Geometry.PmdIndex(addr));
    }

    private static PageFrame LowerTable(UpperVal v, EntryPointer from, string op, FrameKind expected)
    {
        if (v.IsNone || v.IsBad)
            throw new InvalidOperationException($"{op} through {from}, which holds no table ({v}): check *_none() or allocate first");
        var frame = from.Machine.Memory.FrameOf(v.Pfn);
        if (frame.Kind != expected && from.Machine.Checked)
            throw new PtLockViolationException(RuleIds.StaleFrame, $"{op}: {from} points at {frame.Describe()}, not a {expected}");
        return frame;
    }

    internal static void CheckUserAddress(Mm mm, ulong addr, string paramName)
    {
        if (addr >= mm.TaskSize)
            throw new ArgumentOutOfRangeException(paramName, $"address {addr:x} is beyond user space (TASK_SIZE {mm.TaskSize:x})");
    }

    // ---- PMD accessors ----

    /// <summary>pmdp_get (READ_ONCE).</summary>
    [Kernel("pmdp_get")]
    public static PmdVal PmdpGet(Pmd pmd)
    {
        ArgumentNullException.ThrowIfNull(pmd);
        SchedPoint.Point(SchedPointKind.EntryRead, pmd);
        return new PmdVal(pmd.Load());
    }

    /// <summary>pmdp_get_lockless: a snapshot that is stale as soon as any lock is taken, until rechecked.</summary>
    [Kernel("pmdp_get_lockless")]
    [LocklessSnapshot]
    public static PmdVal PmdpGetLockless(Pmd pmd) => PmdpGet(pmd);

    /// <summary>set_pmd_at: install a PMD value (a huge leaf, typically). Needs the PMD lock.</summary>
    [Kernel("set_pmd_at")]
    [EntryWrite("pmd")]
    [Requires("PmdLockptr(mm, pmd)")]
    public static void SetPmdAt(Mm mm, ulong addr, Pmd pmd, PmdVal value)
    {
        CheckPmdWrite(mm, addr, pmd, "set_pmd_at");
        var old = WritePmd(pmd, value);
        if (mm.Machine.Validate)
        {
            PageTableCheck.ClearedPmd(mm, old);
            PageTableCheck.SetPmd(value, mm);
        }
    }

    /// <summary>pmd_populate: point the PMD at a PTE table. Needs the PMD lock and a none PMD.</summary>
    [Kernel("pmd_populate")]
    [EntryWrite("pmd")]
    [Requires("PmdLockptr(mm, pmd)")]
    public static void PmdPopulate(Mm mm, Pmd pmd, [PublishedTable] PteTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        CheckPmdWrite(mm, null, pmd, "pmd_populate");
        table.CheckLive("pmd_populate");
        if (table.Frame.TableMm != mm)
            throw new ArgumentException($"the table belongs to mm{table.Frame.TableMm?.Id}, not mm{mm.Id}", nameof(table));
        if (mm.Machine.Validate)
        {
            var old = new PmdVal(pmd.Load());
            if (!old.IsNone)
                throw new PtLockViolationException(RuleIds.PmdRecheckAfterLock,
                    $"pmd_populate over a PMD that is no longer none ({old}): recheck the PMD after taking the PMD lock");
            if (table.Frame.InstalledIn is { } other)
                throw new PtLockViolationException(RuleIds.PmdRecheckAfterLock, $"pmd_populate of a table already installed in {other}");
        }
        WritePmd(pmd, PmdVal.Table(table.Pfn));
    }

    /// <summary>pmd_clear. Needs the PMD lock.</summary>
    // The PMD lock is checked at run time: pmd_clear takes no mm, so no static lock expression names it.
    [Kernel("pmd_clear")]
    [EntryWrite("pmd")]
    public static void PmdClear(Pmd pmd)
    {
        ArgumentNullException.ThrowIfNull(pmd);
        CheckPmdWrite(pmd.Mm ?? throw new ArgumentException("pmd of a freed table", nameof(pmd)), null, pmd, "pmd_clear");
        WritePmd(pmd, PmdVal.Empty);
    }

    /// <summary>pmdp_huge_get_and_clear / pmdp_get_and_clear: clear and return the old value. Needs the PMD lock.</summary>
    [Kernel("pmdp_get_and_clear")]
    [EntryWrite("pmd")]
    [Requires("PmdLockptr(mm, pmd)")]
    public static PmdVal PmdpGetAndClear(Mm mm, ulong addr, Pmd pmd)
    {
        CheckPmdWrite(mm, addr, pmd, "pmdp_get_and_clear");
        var old = WritePmd(pmd, PmdVal.Empty);
        if (mm.Machine.Validate)
            PageTableCheck.ClearedPmd(mm, old);
        return old;
    }

    /// <summary>pmd_clear_bad: report and clear a corrupted PMD (done without the lock, as the kernel does).</summary>
    [Kernel("pmd_clear_bad")]
    public static void PmdClearBad(Pmd pmd)
    {
        ArgumentNullException.ThrowIfNull(pmd);
        WritePmd(pmd, PmdVal.Empty);
    }

    private static void CheckPmdWrite(Mm mm, ulong? addr, Pmd pmd, string op)
    {
        ArgumentNullException.ThrowIfNull(pmd);
        pmd.CheckMm(mm, nameof(mm));
        mm.CheckAlive(op);
        if (addr is { } a && Geometry.PmdIndex(a) != pmd.Index)
            throw new ArgumentException($"address {a:x} is not covered by {pmd}", nameof(addr));
        SchedPoint.Point(SchedPointKind.EntryWrite, pmd);
        if (mm.Machine.Validate && !LinuxMm.PmdLockptr(mm, pmd).IsHeldByCurrentThread)
            throw new PtLockViolationException(RuleIds.RequiresLockNotHeld, $"{op}({pmd}) without the PMD lock");
    }

    /// <summary>Store a PMD value and keep the "which slot is this table installed in" bookkeeping.</summary>
    internal static PmdVal WritePmd(Pmd pmd, PmdVal value)
    {
        var old = new PmdVal(pmd.Exchange(value.Raw));
        var memory = pmd.Machine.Memory;
        if (old.IsTable && memory.TryFrameOf(old.Pfn, out var oldTable) && ReferenceEquals(oldTable.InstalledIn, pmd))
            oldTable.InstalledIn = null;
        if (value.IsTable && memory.TryFrameOf(value.Pfn, out var newTable))
        {
            newTable.InstalledIn = pmd;
            newTable.EverPublished = true;
        }
        return old;
    }

    // ---- PTE accessors ----

    /// <summary>ptep_get (READ_ONCE). The table must be mapped by this thread or its lock held.</summary>
    [Kernel("ptep_get")]
    public static PteVal PtepGet(Pte pte)
    {
        ArgumentNullException.ThrowIfNull(pte);
        SchedPoint.Point(SchedPointKind.EntryRead, pte);
        if (pte.Machine.Validate)
            CheckPteReachable(pte, "ptep_get");
        return new PteVal(pte.Load());
    }

    /// <summary>ptep_get_lockless.</summary>
    [Kernel("ptep_get_lockless")]
    [LocklessSnapshot]
    public static PteVal PtepGetLockless(Pte pte) => PtepGet(pte);

    /// <summary>set_pte_at: install an entry. Needs the table's ptl; page_table_check refuses to lose a mapping.</summary>
    [Kernel("set_pte_at")]
    [EntryWrite("pte")]
    [Requires("PtepLockptr(mm, pte)")]
    public static void SetPteAt(Mm mm, ulong addr, Pte pte, PteVal value) => SetPtes(mm, addr, pte, value, 1);

    /// <summary>set_ptes: <paramref name="nr"/> consecutive entries mapping consecutive pfns.</summary>
    [Kernel("set_ptes")]
    [EntryWrite("pte")]
    [Requires("PtepLockptr(mm, pte)")]
    public static void SetPtes(Mm mm, ulong addr, Pte pte, PteVal value, int nr)
    {
        CheckPteWrite(mm, addr, pte, "set_ptes");
        if (nr == 1 && !mm.Machine.Validate)
        {
            pte.Store(value.Raw);
            return;
        }
        if (nr < 1 || pte.Index + nr > Geometry.PtrsPerPte)
            throw new ArgumentOutOfRangeException(nameof(nr), nr, "set_ptes must stay within one PTE table");
        for (int i = 0; i < nr; i++)
        {
            var slot = i == 0 ? pte : pte + i;
            var entry = value.IsPresent && i > 0 ? new PteVal(value.Raw + ((ulong)i << Geometry.PageShift)) : value;
            if (mm.Machine.Validate)
                PageTableCheck.Replaced(mm, addr + ((ulong)i << Geometry.PageShift), new PteVal(slot.Load()), entry);
            slot.Store(entry.Raw);
        }
    }

    /// <summary>ptep_get_and_clear. Needs the table's ptl.</summary>
    [Kernel("ptep_get_and_clear")]
    [ClearsEntry]
    [Requires("PtepLockptr(mm, pte)")]
    public static PteVal PtepGetAndClear(Mm mm, ulong addr, Pte pte)
    {
        CheckPteWrite(mm, addr, pte, "ptep_get_and_clear");
        var old = new PteVal(pte.Exchange(0));
        if (mm.Machine.Validate)
            PageTableCheck.Cleared(mm, old);
        return old;
    }

    /// <summary>pte_clear. Needs the table's ptl.</summary>
    [Kernel("pte_clear")]
    [ClearsEntry]
    [Requires("PtepLockptr(mm, pte)")]
    public static void PteClear(Mm mm, ulong addr, Pte pte) => PtepGetAndClear(mm, addr, pte);

    /// <summary>ptep_set_wrprotect. Needs the table's ptl.</summary>
    [Kernel("ptep_set_wrprotect")]
    [Requires("PtepLockptr(mm, pte)")]
    public static void PtepSetWrprotect(Mm mm, ulong addr, Pte pte)
    {
        CheckPteWrite(mm, addr, pte, "ptep_set_wrprotect");
        var old = new PteVal(pte.Load());
        pte.Store(PteWrprotect(old).Raw);
    }

    private static void CheckPteWrite(Mm mm, ulong addr, Pte pte, string op)
    {
        ArgumentNullException.ThrowIfNull(pte);
        pte.CheckMm(mm, nameof(mm));
        mm.CheckAlive(op);
        // One test for the common case: a page-aligned user address whose PTE index is this slot's.
        if (addr >= mm.TaskSize || (addr & ~Geometry.PageMask) != 0 || (pte.InPteTable && Geometry.PteIndex(addr) != pte.Index))
            ThrowBadPteAddress(mm, addr, pte);
        SchedPoint.Point(SchedPointKind.EntryWrite, pte);
        if (mm.Machine.Validate && !LinuxMm.PtepLockptr(mm, pte).IsHeldByCurrentThread)
            throw new PtLockViolationException(RuleIds.RequiresLockNotHeld, $"{op}({pte}) without the PTE table's lock");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void ThrowBadPteAddress(Mm mm, ulong addr, Pte pte)
    {
        CheckUserAddress(mm, addr, nameof(addr));
        if (!Geometry.IsPageAligned(addr))
            throw new ArgumentException($"address {addr:x} is not page aligned", nameof(addr));
        throw new ArgumentException($"address {addr:x} is entry {Geometry.PteIndex(addr)} of its table, but the pointer is {pte}", nameof(addr));
    }

    private static void CheckPteReachable(Pte pte, string op)
    {
        var frame = pte.Frame;
        if (frame.Kind != FrameKind.PteTable || !frame.EverPublished || pte.Generation != frame.Generation)
            return;
        if (LockDep.HasMapped(frame))
            return;
        if (frame.Ptl is { } ptl ? ptl.IsHeldByCurrentThread : frame.TableMm?.PageTableLock.IsHeldByCurrentThread == true)
            return;
        throw new PtLockViolationException(RuleIds.UseAfterUnmap,
            $"{op}({pte}): the table is neither mapped by this thread (pte_offset_map*) nor locked; was it used after pte_unmap()?");
    }
}
