using PtLock.Scheduling;

namespace PtLock.Samples.SeedThreads.Scenarios;

/// <summary>
/// Threads 000 and 004: khugepaged retracts the (empty) PTE table of a file range while MADV_DONTNEED's PT reclaim
/// frees the same table. Thread 000's side: the pre-fix retract classifies the PMD without the lock and trusts it
/// under the lock (pte_lockptr on a PMD that changed). Thread 004's side: the pre-fix reclaim finds the table
/// empty, then clears the PMD under the PMD lock without checking it still points to that table (a table freed
/// twice). Each races the mainline version of the other.
/// </summary>
public static class RetractVersusReclaimRace
{
    private const ulong Base = 0x7f00_0000_0000UL;

    public sealed class State(Machine machine, Mm mm, AddressSpace file, Pmd pmd)
    {
        public Machine Machine { get; } = machine;
        public Mm Mm { get; } = mm;
        public AddressSpace File { get; } = file;
        public Pmd Pmd { get; } = pmd;
    }

    public static SeedScenario CreateRetract() => new("000", "000", "retract_page_tables: recheck the PMD under the PMD lock",
        Build("000-retract-prefix", RetractPageTablesPreFix.RetractPageTables, PtReclaim.TryToFreePte),
        Build("000-retract-postfix", RetractPageTablesPostFix.RetractPageTables, PtReclaim.TryToFreePte));

    public static SeedScenario CreateReclaim() => new("004", "004", "try_to_free_pte: recheck the PMD before clearing it",
        Build("004-reclaim-prefix", Khugepaged.RetractPageTables, TryToFreePtePreFix.TryToFreePte),
        Build("004-reclaim-postfix", Khugepaged.RetractPageTables, TryToFreePtePostFix.TryToFreePte));

    private static Scenario Build(string name, Func<AddressSpace, ulong, int> retract, Func<Mm, Pmd, ulong, MmuGather, bool> tryToFreePte) =>
        Scenario.Create(name,
        Setup,
        new (string, Action<State>)[] { ("khugepaged", s => retract(s.File, 0)), ("madvise", s => Reclaim(s, tryToFreePte)) },
        s =>
        {
            Rcu.Barrier();
            var problems = PageTableCheck.Audit(s.Machine, new[] { s.Mm });
            if (problems.Count > 0)
                throw new InvalidOperationException("page_table_check: " + string.Join("; ", problems));
        });

    private static State Setup()
    {
        var machine = new Machine(new MachineOptions { FrameCount = 256 });
        var mm = new Mm(machine);
        var file = new AddressSpace(machine, "libfoo.so");
        mm.Mmap(Base, Geometry.PmdSize, VmFlags.Read, file, pgoff: 0);
        var pmd = LinuxMm.PmdAllocWalk(mm, Base) ?? throw new InvalidOperationException("out of memory");
        // An empty PTE table, as after khugepaged collapsed the range into a huge page in the page cache.
        if (LinuxMm.PteAlloc(mm, pmd))
            throw new InvalidOperationException("out of memory");
        return new State(machine, mm, file, pmd);
    }

    /// <summary>MADV_DONTNEED on the range, with PT reclaim: the empty table is freed (under the mmap lock for read).</summary>
    private static void Reclaim(State s, Func<Mm, Pmd, ulong, MmuGather, bool> tryToFreePte)
    {
        s.Mm.MmapLock.DownRead();
        try
        {
            var tlb = MmuGather.TlbGatherMmu(s.Mm);
            tryToFreePte(s.Mm, s.Pmd, Base, tlb);
            MmuGather.TlbFinishMmu(tlb);
        }
        finally
        {
            s.Mm.MmapLock.UpRead();
        }
    }
}
