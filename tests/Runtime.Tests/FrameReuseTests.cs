namespace PtLock.Runtime.Tests;

public class FrameReuseTests
{
    [Fact]
    public void FreedFramesAreReusedLastInFirstOutWithANewGeneration()
    {
        var machine = TestMachines.Small();
        var mm = new Mm(machine);
        var table = PteAllocOne(mm)!;
        int gen = table.Frame.Generation;
        PteFree(mm, table);
        var folio = Folio.Alloc(machine)!;
        Assert.Same(table.Frame, folio.Frame);
        Assert.NotEqual(gen, folio.Frame.Generation);
        Assert.False(table.IsLive);
    }

    [Fact]
    public void StalePtlOfAFreedAndReusedTableIsCaughtInCheckedMode()
    {
        var machine = TestMachines.Small();
        var mm = new Mm(machine);
        var table = PteAllocOne(mm)!;
        var ptl = PtepLockptr(mm, table.EntryAt(0));
        PteFree(mm, table);
        var reuse = Folio.Alloc(machine)!; // the frame now backs a data page
        Assert.Same(table.Frame, reuse.Frame);

        var ex = Assert.Throws<PtLockViolationException>(() => SpinLock(ptl));
        Assert.Equal(RuleIds.UseAfterUnmap, ex.RuleId);
        Assert.Contains("freed", ex.Message);
        Assert.Contains("pte_free", ex.Message);
    }

    [Fact]
    public void StalePtlInRawModeCrashesLikeTheHugetlbThreadWhenTheFrameIsNowData()
    {
        var machine = TestMachines.Small(stale: StaleHandleMode.Raw);
        var mm = new Mm(machine);
        var table = PteAllocOne(mm)!;
        var ptl = PtepLockptr(mm, table.EntryAt(0));
        PteFree(mm, table);
        Folio.Alloc(machine);
        var oops = Assert.Throws<KernelOopsException>(() => SpinLock(ptl));
        Assert.Contains("reused as a data page", oops.Message);
    }

    [Fact]
    public void StalePtlInRawModeSilentlyTakesTheLockOfTheTableThatReusedTheFrame()
    {
        var machine = TestMachines.Small(stale: StaleHandleMode.Raw);
        var mm = new Mm(machine);
        var first = PteAllocOne(mm)!;
        var stale = PtepLockptr(mm, first.EntryAt(0));
        PteFree(mm, first);
        var second = PteAllocOne(mm)!;
        Assert.Same(first.Frame, second.Frame);
        var live = PtepLockptr(mm, second.EntryAt(0));
        Assert.NotSame(stale, live);

        SpinLock(stale); // no error: C would do exactly this
        Assert.True(live.IsLocked); // ...and the new table's lock is now taken by someone who thinks it is another lock
        SpinUnlock(stale);
    }

    [Fact]
    public void StalePtePointerIsCaughtInCheckedMode()
    {
        var machine = TestMachines.Small();
        var mm = new Mm(machine);
        var table = PteAllocOne(mm)!;
        var pte = table.EntryAt(3);
        PteFree(mm, table);
        PteAllocOne(mm);
        var ex = Assert.Throws<PtLockViolationException>(() => PtepGet(pte));
        Assert.Equal(RuleIds.UseAfterUnmap, ex.RuleId);
    }

    [Fact]
    public void DoubleFreeIsReported()
    {
        var machine = TestMachines.Small();
        var folio = Folio.Alloc(machine)!;
        folio.Put();
        var ex = Assert.Throws<PtLockViolationException>(() => folio.Put());
        Assert.Equal(RuleIds.StaleFrame, ex.RuleId);
    }

    [Fact]
    public void ExhaustedPoolReturnsNullRatherThanThrowing()
    {
        var machine = TestMachines.Small(frames: 16);
        var held = new List<Folio>();
        while (Folio.Alloc(machine) is { } f)
            held.Add(f);
        Assert.Equal(15, held.Count); // pfn 0 is reserved
        Assert.Null(Folio.Alloc(machine));
        Assert.Throws<OutOfMemoryException>(() => new Mm(machine));
    }

    [Fact]
    public void BadMachineOptionsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Machine(new MachineOptions { PagingLevels = 3 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Machine(new MachineOptions { FrameCount = 2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Machine(new MachineOptions { LockupTimeout = TimeSpan.Zero }));
    }
}
