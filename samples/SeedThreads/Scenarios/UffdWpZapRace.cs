using PtLock.Scheduling;

namespace PtLock.Samples.SeedThreads.Scenarios;

/// <summary>
/// Thread 002: a shmem page is write-protected with userfaultfd; MADV_DONTNEED zaps it while another thread writes
/// to it. Without the marker, the write after the zap maps the page writable and userspace never hears of it.
/// </summary>
public static class UffdWpZapRace
{
    private const ulong Base = 0x7f00_0000_0000UL;
    private const ulong Addr = Base + 5 * Geometry.PageSize;

    public sealed class State(Machine machine, Mm mm, Vma vma)
    {
        public Machine Machine { get; } = machine;
        public Mm Mm { get; } = mm;
        public Vma Vma { get; } = vma;
    }

    public static SeedScenario Create() => new("002", "002", "zap_pte_range: keep uffd-wp as a pte marker",
        Build("002-zap-prefix", (tlb, vma, pmd, addr, end) => ZapPteRangePreFix.ZapPteRange(tlb, vma, pmd, addr, end)),
        Build("002-zap-postfix", (tlb, vma, pmd, addr, end) => ZapPteRangePostFix.ZapPteRange(tlb, vma, pmd, addr, end, null)));

    private static Scenario Build(string name, Func<MmuGather, Vma, Pmd, ulong, ulong, ulong> zap) => Scenario.Create(name,
        Setup,
        new (string, Action<State>)[] { ("madvise", s => Zap(s, zap)), ("writer", Write) },
        s =>
        {
            var pmd = Rmap.MmFindPmd(s.Mm, Addr);
            var pte = pmd is null ? null : PgtableGeneric.PteOffsetMap(pmd, Addr);
            var entry = PteVal.Empty;
            if (pte is not null)
            {
                entry = Pgtable.PtepGet(pte);
                PgtableGeneric.PteUnmap(pte);
            }
            if (Pgtable.PtePresent(entry) && Pgtable.PteWrite(entry) && Userfaultfd.Events(s.Mm).Count == 0)
                throw new InvalidOperationException($"the write-protected page at {Addr:x} was made writable and userspace was never told (no uffd-wp event)");
        });

    private static State Setup()
    {
        var machine = new Machine(new MachineOptions { FrameCount = 256 });
        var mm = new Mm(machine);
        var file = new AddressSpace(machine, "shmem");
        var vma = mm.Mmap(Base, Geometry.PmdSize, VmFlags.Read | VmFlags.Write | VmFlags.Shared | VmFlags.UffdWp, file);
        vma.Mm.MmapLock.DownRead();
        try { Memory.HandleMmFault(vma, Addr, FaultFlags.Write | FaultFlags.User); }
        finally { vma.Mm.MmapLock.UpRead(); }
        Userfaultfd.UffdioWriteprotect(mm, Addr, Geometry.PageSize, enableWp: true);
        return new State(machine, mm, vma);
    }

    private static void Zap(State s, Func<MmuGather, Vma, Pmd, ulong, ulong, ulong> zap)
    {
        s.Mm.MmapLock.DownRead();
        try
        {
            var tlb = MmuGather.TlbGatherMmu(s.Mm);
            if (Rmap.MmFindPmd(s.Mm, Addr) is { } pmd)
                zap(tlb, s.Vma, pmd, Addr, Addr + Geometry.PageSize);
            MmuGather.TlbFinishMmu(tlb);
        }
        finally
        {
            s.Mm.MmapLock.UpRead();
        }
    }

    private static void Write(State s)
    {
        s.Vma.Mm.MmapLock.DownRead();
        try { Memory.HandleMmFault(s.Vma, Addr, FaultFlags.Write | FaultFlags.User); }
        finally { s.Vma.Mm.MmapLock.UpRead(); }
    }
}
