namespace PtLock.Runtime.Tests;

public class TableFreeTests
{
    private const ulong Addr = TestMachines.Base;

    [Fact]
    public void FreeingAPublishedTableAtOnceIsReported()
    {
        var mm = new Mm(TestMachines.Small());
        var pmd = TestMachines.PmdWithTable(mm, Addr);
        var table = (PteTable)pmd.Frame.Owner.FrameOf(PmdpGet(pmd).Pfn).Table!;
        var pml = PmdLock(mm, pmd);
        PmdClear(pmd);
        SpinUnlock(pml);
        var ex = Assert.Throws<PtLockViolationException>(() => PteFree(mm, table));
        Assert.Equal(RuleIds.PublishedTableFreedNow, ex.RuleId);
    }

    [Fact]
    public void DeferringTheFreeOfAStillInstalledTableIsReported()
    {
        var mm = new Mm(TestMachines.Small());
        var pmd = TestMachines.PmdWithTable(mm, Addr);
        var table = (PteTable)pmd.Frame.Owner.FrameOf(PmdpGet(pmd).Pfn).Table!;
        Assert.Equal(RuleIds.DetachedTableFreedUnsafely, Assert.Throws<PtLockViolationException>(() => PteFreeDefer(mm, table)).RuleId);
    }

    [Fact]
    public void ADeferredFreeWaitsForTheWalkerThatMappedTheTable()
    {
        var machine = TestMachines.Small();
        var mm = new Mm(machine);
        var pmd = TestMachines.PmdWithTable(mm, Addr);
        var frame = machine.Memory.FrameOf(PmdpGet(pmd).Pfn);
        var table = (PteTable)frame.Table!;
        using var mapped = new ManualResetEventSlim();
        using var detached = new ManualResetEventSlim();
        PteVal seen = default;
        var walker = new Thread(() =>
        {
            var pte = PteOffsetMap(pmd, Addr)!;
            mapped.Set();
            detached.Wait();
            seen = PtepGet(pte); // the detached table is still valid memory: the walker reads "none"
            PteUnmap(pte);
        });
        walker.Start();
        mapped.Wait();

        var pml = PmdLock(mm, pmd);
        PmdClear(pmd);
        SpinUnlock(pml);
        PteFreeDefer(mm, table);
        Rcu.ProcessReadyCallbacks();
        Assert.True(table.IsLive, "the table was freed while a walker still had it mapped");
        detached.Set();
        walker.Join();
        Assert.True(PteNone(seen));
        Rcu.Barrier();
        Assert.False(table.IsLive);
        Assert.Equal(FrameKind.Free, frame.Kind);
    }

    [Fact]
    public void DeferringTheFreeOfATableThatStillMapsPagesIsReported()
    {
        var mm = new Mm(TestMachines.Small());
        var pmd = TestMachines.PmdWithTable(mm, Addr);
        TestMachines.SetEntry(mm, pmd, Addr, PfnPte(3, PgProt.ReadOnly));
        var table = (PteTable)pmd.Frame.Owner.FrameOf(PmdpGet(pmd).Pfn).Table!;
        var pml = PmdLock(mm, pmd);
        PmdClear(pmd);
        SpinUnlock(pml);
        Assert.Equal(RuleIds.PmdRecheckAfterLock, Assert.Throws<PtLockViolationException>(() => PteFreeDefer(mm, table)).RuleId);
    }

    [Fact]
    public void MmuGatherFreesTablesOnlyAfterTheFlushAndAGracePeriod()
    {
        var machine = TestMachines.Small();
        var mm = new Mm(machine);
        var pmd = TestMachines.PmdWithTable(mm, Addr);
        var frame = machine.Memory.FrameOf(PmdpGet(pmd).Pfn);
        var tlb = MmuGather.TlbGatherMmu(mm);
        Assert.True(PtReclaim.TryToFreePte(mm, pmd, Addr, tlb));
        Assert.True(PmdNone(PmdpGet(pmd)));
        Assert.Equal(FrameKind.PteTable, frame.Kind);
        long flushes = machine.TlbFlushes;
        MmuGather.TlbFinishMmu(tlb);
        Assert.Equal(flushes + 1, machine.TlbFlushes);
        Rcu.Barrier();
        Assert.Equal(FrameKind.Free, frame.Kind);
        Assert.Equal(0, mm.NrPtes);
        Assert.Throws<InvalidOperationException>(() => MmuGather.TlbRemoveTable(tlb, PteAllocOne(mm)!));
    }

    [Fact]
    public void ReclaimLeavesATableThatStillMapsSomething()
    {
        var mm = new Mm(TestMachines.Small());
        var pmd = TestMachines.PmdWithTable(mm, Addr);
        TestMachines.SetEntry(mm, pmd, Addr + 7 * Geometry.PageSize, MakePteMarker(PteMarker.UffdWp));
        var tlb = MmuGather.TlbGatherMmu(mm);
        Assert.False(PtReclaim.TryToFreePte(mm, pmd, Addr, tlb));
        MmuGather.TlbFinishMmu(tlb);
        Assert.False(PmdNone(PmdpGet(pmd)));
        Assert.Equal(0, Rcu.Depth);
    }

    [Fact]
    public void ReclaimWorksWhenPtlIsPml()
    {
        var machine = TestMachines.Small(splitPte: false, splitPmd: false);
        var mm = new Mm(machine);
        var pmd = TestMachines.PmdWithTable(mm, Addr);
        var tlb = MmuGather.TlbGatherMmu(mm);
        Assert.True(PtReclaim.TryToFreePte(mm, pmd, Addr, tlb));
        MmuGather.TlbFinishMmu(tlb);
        Rcu.Barrier();
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
    }
}
