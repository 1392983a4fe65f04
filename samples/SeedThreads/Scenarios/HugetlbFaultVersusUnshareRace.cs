using PtLock.Scheduling;

namespace PtLock.Samples.SeedThreads.Scenarios;

/// <summary>
/// Thread 001: mm B faults a hugetlb page in a PMD table it shares with mm A, while another thread drops B's share
/// (MADV_DONTNEED), A unmaps everything (the table's last user frees it) and a third mm reuses the page. Without
/// the hugetlb vma lock over the fault's window, the fault takes a lock inside the reused page. The validator's
/// own lock assertion is off here (as on a production kernel) so that the race itself is what is caught.
/// </summary>
public static class HugetlbFaultVersusUnshareRace
{
    private const ulong GiB = Geometry.PudSize;
    private const ulong BaseA = 0x40_0000_0000UL;
    private const ulong BaseB = 0x80_0000_0000UL;

    public sealed class State(Machine machine, Mm mmA, Mm mmB, Vma vmaB)
    {
        public Machine Machine { get; } = machine;
        public Mm MmA { get; } = mmA;
        public Mm MmB { get; } = mmB;
        public Vma VmaB { get; } = vmaB;
    }

    public static SeedScenario Create() => new("001", "001", "hugetlb_fault: hold the vma lock from huge_pte_alloc to the last use",
        Build("001-hugetlb-fault-prefix", HugetlbFaultPreFix.HugetlbFault),
        Build("001-hugetlb-fault-postfix", HugetlbFaultPostFix.HugetlbFault));

    private static Scenario Build(string name, Func<Vma, ulong, VmFaultResult> fault) => Scenario.Create(name,
        Setup,
        new (string, Action<State>)[] { ("fault(B)", s => Fault(s, fault)), ("unshare+unmap", UnshareUnmapReuse) });

    private static State Setup()
    {
        var machine = new Machine(new MachineOptions { FrameCount = 256, Validate = false });
        var file = new AddressSpace(machine, "hugetlbfs/shm");
        var mmA = new Mm(machine);
        var mmB = new Mm(machine);
        const VmFlags flags = VmFlags.Read | VmFlags.Write | VmFlags.Shared | VmFlags.Hugetlb;
        var vmaA = mmA.Mmap(BaseA, GiB, flags, file);
        var vmaB = mmB.Mmap(BaseB, GiB, flags, file);
        // A populates the PMD table that B's first fault will share.
        vmaA.Mm.MmapLock.DownRead();
        try { Memory.HandleMmFault(vmaA, BaseA + Hugetlb.HugePageSize, FaultFlags.Write | FaultFlags.User); }
        finally { vmaA.Mm.MmapLock.UpRead(); }
        return new State(machine, mmA, mmB, vmaB);
    }

    private static void Fault(State s, Func<Vma, ulong, VmFaultResult> fault)
    {
        s.MmB.MmapLock.DownRead();
        try { fault(s.VmaB, BaseB); }
        finally { s.MmB.MmapLock.UpRead(); }
    }

    private static void UnshareUnmapReuse(State s)
    {
        s.VmaB.Mm.MmapLock.DownRead();
        try { Memory.ZapPageRangeSingle(s.VmaB, BaseB, Hugetlb.HugePageSize, null); }
        finally { s.VmaB.Mm.MmapLock.UpRead(); }
        s.MmA.Munmap(BaseA, GiB);
        Rcu.Barrier();
        var mmC = new Mm(s.Machine);
        for (int i = 0; i < 4; i++)
            PgAlloc.PmdAllocOne(mmC);
    }
}
