using PtLock.Scheduling;

namespace PtLock.Samples.SeedThreads.Scenarios;

/// <summary>
/// Threads 000 and 004: khugepaged retracts the (empty) PTE table of a file range while MADV_DONTNEED's PT reclaim
/// frees the same table. The pre-fix retract classifies the PMD without the lock and trusts it under the lock.
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

    public static SeedScenario Create() => new("000-004", "000, 004", "retract_page_tables: recheck the PMD under the PMD lock",
        Build("000-004-retract-prefix", RetractPageTablesPreFix.RetractPageTables),
        Build("000-004-retract-postfix", RetractPageTablesPostFix.RetractPageTables));

    private static Scenario Build(string name, Func<AddressSpace, ulong, int> retract) => Scenario.Create(name,
        Setup,
        new (string, Action<State>)[] { ("khugepaged", s => retract(s.File, 0)), ("madvise", Reclaim) },
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
    private static void Reclaim(State s)
    {
        s.Mm.MmapLock.DownRead();
        try
        {
            var tlb = MmuGather.TlbGatherMmu(s.Mm);
            PtReclaim.TryToFreePte(s.Mm, s.Pmd, Base, tlb);
            MmuGather.TlbFinishMmu(tlb);
        }
        finally
        {
            s.Mm.MmapLock.UpRead();
        }
    }
}
