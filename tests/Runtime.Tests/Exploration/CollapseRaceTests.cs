using PtLock.Scheduling;

namespace PtLock.Runtime.Tests.Exploration;

/// <summary>MADV_COLLAPSE in one mm racing faults and MADV_DONTNEED in another, under the explorer.</summary>
[Collection(ExplorerCollection.Name)]
public class CollapseRaceTests
{
    private const ulong Base = TestMachines.Base;

    private sealed class State(Machine machine, Mm a, Vma vmaA, Mm b, Vma vmaB)
    {
        public Machine Machine { get; } = machine;
        public Mm A { get; } = a;
        public Vma VmaA { get; } = vmaA;
        public Mm B { get; } = b;
        public Vma VmaB { get; } = vmaB;
    }

    private static State Setup()
    {
        var machine = new Machine(new MachineOptions { FrameCount = 2048 });
        var file = new AddressSpace(machine, "shmem");
        for (ulong i = 0; i < 4; i++)
            file.GetOrCreateFolio(i)!.Content = i + 1;
        var a = new Mm(machine);
        var b = new Mm(machine);
        const VmFlags flags = VmFlags.Read | VmFlags.Write | VmFlags.Shared;
        var vmaA = a.Mmap(Base, Geometry.PmdSize, flags, file);
        var vmaB = b.Mmap(Base, Geometry.PmdSize, flags, file);
        HugetlbTests.Fault(vmaA, Base, write: false);
        HugetlbTests.Fault(vmaB, Base + Geometry.PageSize, write: false);
        return new State(machine, a, vmaA, b, vmaB);
    }

    private static Scenario Race() => Scenario.Create("collapse-vs-fault", Setup,
        new (string, Action<State>)[]
        {
            ("collapse(A)", s => Khugepaged.MadviseCollapse(s.A, Base, Geometry.PmdSize)),
            ("fault(B)", s =>
            {
                for (ulong page = 1; page < 4; page++)
                {
                    // A fault that found its page replaced by the collapse retries, as the CPU would.
                    var r = VmFaultResult.Retry;
                    for (int attempt = 0; attempt < 5 && r == VmFaultResult.Retry; attempt++)
                        r = HugetlbTests.Fault(s.VmaB, Base + page * Geometry.PageSize, write: true);
                    if ((r & ~VmFaultResult.NoPage) != 0)
                        throw new InvalidOperationException($"fault at page {page}: {r}");
                }
            }),
        },
        s =>
        {
            Rcu.Barrier();
            var problems = PageTableCheck.Audit(s.Machine, new[] { s.A, s.B });
            if (problems.Count > 0)
                throw new InvalidOperationException(string.Join("; ", problems));
            // Whatever won, each page B still maps holds its own data: the file's content survived the collapse.
            // (A page B faulted before the collapse may have been unmapped by it, and its table retracted.)
            for (ulong page = 1; page < 4; page++)
            {
                if (ContentSeenBy(s.B, Base + page * Geometry.PageSize) is not { } data)
                    continue;
                if (data != page + 1)
                    throw new InvalidOperationException($"B reads {data} at page {page}, the file holds {page + 1}");
            }
        });

    /// <summary>The content of the page mapped at <paramref name="addr"/>, by a PTE or a PMD; null when none is.</summary>
    private static ulong? ContentSeenBy(Mm mm, ulong addr)
    {
        if (Rmap.MmFindPmd(mm, addr) is not { } pmd)
            return null;
        var pmdval = PmdpGet(pmd);
        if (PmdTransHuge(pmdval))
            return mm.Machine.Memory.FrameOf(pmdval.Pfn).Folio!.PageContent(pmdval.Pfn + (ulong)Geometry.PteIndex(addr));
        if (PteOffsetMap(pmd, addr) is not { } pte)
            return null;
        var entry = PtepGet(pte);
        PteUnmap(pte);
        if (!entry.IsPresent)
            return null;
        return mm.Machine.Memory.FrameOf(entry.Pfn).Folio!.PageContent(entry.Pfn);
    }

    [Theory]
    [InlineData(ExplorationStrategy.Random)]
    [InlineData(ExplorationStrategy.Pct)]
    public void CollapseAndFaultsStayConsistentUnderEverySchedule(ExplorationStrategy strategy)
    {
        var result = Explorer.Run(Race(), new ExplorationOptions { Strategy = strategy, Budget = 150, Seed = 3 });
        Assert.True(result.Failure is null, result + "\n" + string.Join("\n", result.Failure?.Trace.Log.TakeLast(40) ?? Array.Empty<TraceStep>()));
    }
}
