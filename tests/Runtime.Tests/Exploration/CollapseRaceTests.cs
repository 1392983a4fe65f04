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
                    var r = HugetlbTests.Fault(s.VmaB, Base + page * Geometry.PageSize, write: true);
                    if ((r & ~(VmFaultResult.NoPage | VmFaultResult.Retry)) != 0)
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
        });

    [Theory]
    [InlineData(ExplorationStrategy.Random)]
    [InlineData(ExplorationStrategy.Pct)]
    public void CollapseAndFaultsStayConsistentUnderEverySchedule(ExplorationStrategy strategy)
    {
        var result = Explorer.Run(Race(), new ExplorationOptions { Strategy = strategy, Budget = 150, Seed = 3 });
        Assert.True(result.Failure is null, result + "\n" + string.Join("\n", result.Failure?.Trace.Log.TakeLast(40) ?? Array.Empty<TraceStep>()));
    }
}
