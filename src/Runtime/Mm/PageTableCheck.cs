using PtLock.Contracts;

namespace PtLock;

/// <summary>
/// mm/page_table_check.c: per-page counters of how many user entries map each data page, updated on
/// every entry set and clear, plus a whole-machine audit for the end of a test.
/// </summary>
public static class PageTableCheck
{
    internal static void BeforeSet(Mm mm, ulong addr, PteVal old, PteVal value)
    {
        if (old.IsPresent && value.IsPresent && old.Pfn != value.Pfn)
            throw new PtLockViolationException(RuleIds.PteRecheckUnderPtl,
                $"set_pte_at at {addr:x} in mm{mm.Id} overwrites {old} with {value}: the mapping of pfn {old.Pfn:x} is lost " +
                "(recheck pte_none/pte_same under the ptl before installing)");
    }

    /// <summary>An entry goes from <paramref name="old"/> to <paramref name="value"/>: check it loses no mapping, then count.</summary>
    internal static void Replaced(Mm mm, ulong addr, PteVal old, PteVal value)
    {
        BeforeSet(mm, addr, old, value);
        // Rewriting the same page's entry (access or permission bits) leaves the counts alone.
        if (old.IsPresent && value.IsPresent && old.Pfn == value.Pfn)
            return;
        Cleared(mm, old);
        Set(value, mm);
    }

    internal static void Set(PteVal value, Mm mm)
    {
        if (!value.IsPresent || !TryDataFrame(mm.Machine, value.Pfn, out var frame))
            return;
        bool anon = frame.Folio?.IsAnon ?? false;
        if (anon)
        {
            int n = Interlocked.Increment(ref frame.AnonMapCount);
            if (n > 1 && value.IsWrite)
                throw new PtLockViolationException(RuleIds.PageTableCheck,
                    $"page_table_check: anonymous page pfn {frame.Pfn:x} mapped writable {n} times");
        }
        else
        {
            Interlocked.Increment(ref frame.FileMapCount);
        }
    }

    internal static void Cleared(Mm mm, PteVal old)
    {
        if (!old.IsPresent || !TryDataFrame(mm.Machine, old.Pfn, out var frame))
            return;
        ref int counter = ref (frame.Folio?.IsAnon ?? false) ? ref frame.AnonMapCount : ref frame.FileMapCount;
        if (Interlocked.Decrement(ref counter) < 0)
            throw new PtLockViolationException(RuleIds.PageTableCheck,
                $"page_table_check: pfn {frame.Pfn:x} unmapped more often than it was mapped");
    }

    /// <summary>page_table_check_pmd_set / _clear: a PMD leaf counts as one mapping of the folio's head page.</summary>
    internal static void SetPmd(PmdVal value, Mm mm)
    {
        if (value.IsLeaf && value.IsPresent)
            Set(PteVal.FromPfn(value.Pfn, PgProt.ReadOnly), mm);
    }

    internal static void ClearedPmd(Mm mm, PmdVal old)
    {
        if (old.IsLeaf && old.IsPresent)
            Cleared(mm, PteVal.FromPfn(old.Pfn, PgProt.ReadOnly));
    }

    private static bool TryDataFrame(Machine machine, ulong pfn, out PageFrame frame) =>
        machine.Memory.TryFrameOf(pfn, out frame) && frame.Kind == FrameKind.Data;

    /// <summary>
    /// Audit a quiescent machine: every frame is free, a table reachable from exactly one mm's tree (or a
    /// shared hugetlb PMD table reachable as often as its share count says), a table waiting for its RCU
    /// grace period, or a data page whose map count equals the number of entries that map it. Returns the
    /// problems found (empty when consistent).
    /// </summary>
    [Kernel("page_table_check (whole-machine audit)")]
    public static IReadOnlyList<string> Audit(Machine machine, IEnumerable<Mm> mms)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(mms);
        var problems = new List<string>();
        var reachedTables = new Dictionary<ulong, int>();
        var entriesPerPage = new Dictionary<ulong, int>();
        foreach (var mm in mms)
        {
            if (mm.Machine != machine)
            {
                problems.Add($"mm{mm.Id} lives on another machine");
                continue;
            }
            if (mm.IsDead)
                continue;
            Count(reachedTables, mm.PgdFrame.Pfn);
            WalkUpper(machine, mm.PgdFrame, mm.Levels, reachedTables, entriesPerPage, problems);
        }
        foreach (var frame in machine.Memory.AllFrames)
        {
            switch (frame.Kind)
            {
                case FrameKind.Free:
                case FrameKind.Reserved:
                    break;
                case FrameKind.Data:
                    int entries = entriesPerPage.GetValueOrDefault(frame.Pfn);
                    int counted = frame.AnonMapCount + frame.FileMapCount;
                    if (entries != counted)
                        problems.Add($"pfn {frame.Pfn:x}: page_table_check counts {counted} mapping(s), the tables hold {entries}");
                    // A folio's mapcount counts every entry that maps any of its pages (a PMD mapping counts once).
                    if (frame.Folio is { } folio && folio.Pfn == frame.Pfn)
                    {
                        int mapped = entries;
                        for (int i = 1; i < folio.NrPages; i++)
                            mapped += entriesPerPage.GetValueOrDefault(folio.Pfn + (ulong)i);
                        if (folio.MapCount != mapped)
                            problems.Add($"pfn {frame.Pfn:x}: folio mapcount {folio.MapCount}, the tables hold {mapped} mapping(s)");
                        if (folio.RefCount < folio.MapCount)
                            problems.Add($"pfn {frame.Pfn:x}: refcount {folio.RefCount} below mapcount {folio.MapCount}");
                    }
                    break;
                default:
                    int reached = reachedTables.GetValueOrDefault(frame.Pfn);
                    int expected = frame.Kind == FrameKind.PmdTable ? 1 + frame.ShareCount : 1;
                    if (frame.FreePending)
                    {
                        if (reached != 0)
                            problems.Add($"table {frame} waits for an RCU free but is still reachable");
                    }
                    else if (reached == 0 && frame.InstalledIn is null)
                    {
                        problems.Add($"table {frame} is allocated but reachable from no mm (leaked)");
                    }
                    else if (reached > expected)
                    {
                        problems.Add($"table {frame} is reachable {reached} times");
                    }
                    if (Volatile.Read(ref frame.LockWord) != 0)
                        problems.Add($"table {frame}: its ptl is still held by thread {frame.LockWord}");
                    break;
            }
        }
        return problems;
    }

    private static void WalkUpper(Machine machine, PageFrame table, int levelsLeft, Dictionary<ulong, int> reached,
        Dictionary<ulong, int> entriesPerPage, List<string> problems)
    {
        var entries = table.Entries!;
        for (int i = 0; i < Geometry.PtrsPerTable; i++)
        {
            ulong raw = Volatile.Read(ref entries[i]);
            if (raw == 0)
                continue;
            if (levelsLeft == 2)
            {
                // table is a PMD table
                var pmd = new PmdVal(raw);
                if (pmd.IsLeaf)
                {
                    // A hugetlb (or THP) leaf maps one huge folio, counted like a PTE mapping.
                    if (pmd.IsPresent && machine.Memory.TryFrameOf(pmd.Pfn, out var huge) && huge.Kind == FrameKind.Data)
                        Count(entriesPerPage, pmd.Pfn);
                    continue;
                }
                if (!pmd.IsTable)
                    continue;
                if (!machine.Memory.TryFrameOf(pmd.Pfn, out var pte) || pte.Kind != FrameKind.PteTable)
                {
                    problems.Add($"{table} entry {i} points at {(pte is null ? "nothing" : pte.Describe())}, not a PTE table");
                    continue;
                }
                Count(reached, pte.Pfn);
                foreach (ulong e in pte.Entries!)
                {
                    var v = new PteVal(e);
                    if (v.IsPresent && machine.Memory.TryFrameOf(v.Pfn, out var data) && data.Kind == FrameKind.Data)
                        Count(entriesPerPage, v.Pfn);
                }
                continue;
            }
            var upper = new UpperVal(raw);
            if (!machine.Memory.TryFrameOf(upper.Pfn, out var lower) || lower.Kind is FrameKind.Free or FrameKind.Data or FrameKind.Reserved)
            {
                problems.Add($"{table} entry {i} points at {lower?.Describe() ?? "nothing"}");
                continue;
            }
            if (Count(reached, lower.Pfn) > 1 && lower.Kind != FrameKind.PmdTable)
                continue;
            if (lower.Kind == FrameKind.PmdTable && reached[lower.Pfn] > 1)
                continue; // a shared hugetlb PMD table: its entries were counted at the first visit
            WalkUpper(machine, lower, levelsLeft - 1, reached, entriesPerPage, problems);
        }
    }

    private static int Count(Dictionary<ulong, int> counts, ulong key)
    {
        int n = counts.GetValueOrDefault(key) + 1;
        counts[key] = n;
        return n;
    }
}
