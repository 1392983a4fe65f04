using PtLock.Scheduling;

namespace PtLock.Samples.SeedThreads.Scenarios;

/// <summary>Thread 003: two threads fault the same file page; without the recheck under the ptl both map it.</summary>
public static class FinishFaultRace
{
    private const ulong Base = 0x7f00_0000_0000UL;
    private const ulong Addr = Base + 3 * Geometry.PageSize;

    public sealed class State(Machine machine, Mm mm, Vma vma, Pmd pmd, Folio folio)
    {
        public Machine Machine { get; } = machine;
        public Mm Mm { get; } = mm;
        public Vma Vma { get; } = vma;
        public Pmd Pmd { get; } = pmd;
        public Folio Folio { get; } = folio;
    }

    public static SeedScenario Create() => new("003", "003", "finish_fault: re-check pte_none under the ptl",
        Build("003-finish-fault-prefix", FinishFaultPreFix.FinishFault),
        Build("003-finish-fault-postfix", FinishFaultPostFix.FinishFault));

    private static Scenario Build(string name, Func<Vma, Pmd, ulong, Folio, VmFaultResult> finishFault) => Scenario.Create(name,
        Setup,
        new (string, Action<State>)[] { ("fault-1", s => Fault(s, finishFault)), ("fault-2", s => Fault(s, finishFault)) },
        s =>
        {
            var problems = PageTableCheck.Audit(s.Machine, new[] { s.Mm });
            if (problems.Count > 0)
                throw new InvalidOperationException("page_table_check: " + string.Join("; ", problems));
        });

    private static State Setup()
    {
        var machine = new Machine(new MachineOptions { FrameCount = 256 });
        var mm = new Mm(machine);
        var file = new AddressSpace(machine, "libc.so");
        var vma = mm.Mmap(Base, Geometry.PmdSize, VmFlags.Read, file);
        var pmd = LinuxMm.PmdAllocWalk(mm, Addr) ?? throw new InvalidOperationException("out of memory");
        var folio = file.GetOrCreateFolio(vma.LinearPageIndex(Addr)) ?? throw new InvalidOperationException("out of memory");
        return new State(machine, mm, vma, pmd, folio);
    }

    /// <summary>do_read_fault: a reference for the mapping, finish_fault, and the reference dropped when it did not map.</summary>
    private static void Fault(State s, Func<Vma, Pmd, ulong, Folio, VmFaultResult> finishFault)
    {
        s.Mm.MmapLock.DownRead();
        try
        {
            s.Folio.Get();
            if (finishFault(s.Vma, s.Pmd, Addr, s.Folio) != VmFaultResult.None)
                s.Folio.Put();
        }
        finally
        {
            s.Mm.MmapLock.UpRead();
        }
    }
}
