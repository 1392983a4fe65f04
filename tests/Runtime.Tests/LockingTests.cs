namespace PtLock.Runtime.Tests;

public class LockingTests
{
    [Fact]
    public void SplitLocksAreDistinctPerTableAndPteLockIsNotPmdLock()
    {
        var machine = TestMachines.Small();
        var mm = new Mm(machine);
        var pmdA = TestMachines.PmdWithTable(mm, TestMachines.Base);
        var pmdB = TestMachines.PmdWithTable(mm, TestMachines.Base + Geometry.PmdSize);
        Assert.NotSame(PteLockptr(mm, pmdA), PteLockptr(mm, pmdB));
        Assert.NotSame(PteLockptr(mm, pmdA), PmdLockptr(mm, pmdA));
        Assert.Same(PmdLockptr(mm, pmdA), PmdLockptr(mm, pmdB)); // same PMD table page
        Assert.Same(PteLockptr(mm, pmdA), PteLockptr(mm, PmdpGet(pmdA)));
    }

    [Fact]
    public void WithoutSplitLocksEveryLevelUsesPageTableLockSoPtlEqualsPml()
    {
        var machine = TestMachines.Small(splitPte: false, splitPmd: false);
        var mm = new Mm(machine);
        var pmd = TestMachines.PmdWithTable(mm, TestMachines.Base);
        Assert.Same(mm.PageTableLock, PteLockptr(mm, pmd));
        Assert.Same(mm.PageTableLock, PmdLockptr(mm, pmd));
    }

    [Fact]
    public void UnlockingALockNotHeldIsReported()
    {
        var mm = new Mm(TestMachines.Small());
        var pmd = TestMachines.PmdWithTable(mm, TestMachines.Base);
        var ex = Assert.Throws<PtLockViolationException>(() => SpinUnlock(PteLockptr(mm, pmd)));
        Assert.Equal(RuleIds.ReleasedNotHeld, ex.RuleId);
    }

    [Fact]
    public void UnlockByAnotherThreadIsReported()
    {
        var mm = new Mm(TestMachines.Small());
        var pmd = TestMachines.PmdWithTable(mm, TestMachines.Base);
        var ptl = PmdLock(mm, pmd);
        PtLockViolationException? seen = null;
        var t = new Thread(() => { try { SpinUnlock(ptl); } catch (PtLockViolationException e) { seen = e; } });
        t.Start();
        t.Join();
        Assert.Equal(RuleIds.ReleasedNotHeld, seen?.RuleId);
        SpinUnlock(ptl);
    }

    [Fact]
    public void PteLockWhilePmdLockIsHeldNeedsNesting()
    {
        var mm = new Mm(TestMachines.Small());
        var pmd = TestMachines.PmdWithTable(mm, TestMachines.Base);
        var pml = PmdLock(mm, pmd);
        var ptl = PteLockptr(mm, pmd);
        var ex = Assert.Throws<PtLockViolationException>(() => SpinLock(ptl));
        Assert.Equal(RuleIds.NestedPtlWithoutGuard, ex.RuleId);
        SpinLockNested(ptl, SingleDepthNesting);
        SpinUnlock(ptl);
        SpinUnlock(pml);
    }

    [Fact]
    public void TakingThePteLockAgainWhenItIsThePmdLockIsReportedInsteadOfHanging()
    {
        var mm = new Mm(TestMachines.Small(splitPte: false, splitPmd: false));
        var pmd = TestMachines.PmdWithTable(mm, TestMachines.Base);
        var pml = PmdLock(mm, pmd);
        var ex = Assert.Throws<PtLockViolationException>(() => SpinLockNested(PteLockptr(mm, pmd), SingleDepthNesting));
        Assert.Equal(RuleIds.NestedPtlWithoutGuard, ex.RuleId);
        Assert.Contains("ptl != pml", ex.Message);
        SpinUnlock(pml);
    }

    [Fact]
    public void SelfDeadlockIsReportedEvenWithoutTheValidator()
    {
        var mm = new Mm(TestMachines.Small(validate: false));
        var pmd = TestMachines.PmdWithTable(mm, TestMachines.Base);
        var ptl = PmdLock(mm, pmd);
        var ex = Assert.Throws<PtLockViolationException>(() => SpinLock(ptl));
        Assert.Equal(RuleIds.AcquiredTwice, ex.RuleId);
        SpinUnlock(ptl);
    }

    [Fact]
    public void PmdLockUnderPteLockIsALockOrderViolation()
    {
        var mm = new Mm(TestMachines.Small());
        var pmd = TestMachines.PmdWithTable(mm, TestMachines.Base);
        var pte = PteOffsetMapLock(mm, pmd, TestMachines.Base, out var ptl)!;
        var ex = Assert.Throws<PtLockViolationException>(() => PmdLock(mm, pmd));
        Assert.Equal(RuleIds.LockOrder, ex.RuleId);
        PteUnmapUnlock(pte, ptl);
    }

    [Fact]
    public void SleepingLockUnderSpinlockAndInsideRcuAreReported()
    {
        var mm = new Mm(TestMachines.Small());
        var pmd = TestMachines.PmdWithTable(mm, TestMachines.Base);
        var pml = PmdLock(mm, pmd);
        Assert.Equal(RuleIds.SleepingUnderSpin, Assert.Throws<PtLockViolationException>(() => mm.MmapLock.DownRead()).RuleId);
        SpinUnlock(pml);

        var pte = PteOffsetMap(pmd, TestMachines.Base)!;
        Assert.Equal(RuleIds.SleepInAtomic, Assert.Throws<PtLockViolationException>(() => mm.MmapLock.DownRead()).RuleId);
        PteUnmap(pte);
    }

    [Fact]
    public void MmapLockBeforeIMmapRwsemIsTheOrder()
    {
        var machine = TestMachines.Small();
        var mm = new Mm(machine);
        var file = new AddressSpace(machine, "f");
        mm.MmapLock.DownRead();
        file.IMmapRwsem.DownRead();
        file.IMmapRwsem.UpRead();
        mm.MmapLock.UpRead();

        file.IMmapRwsem.DownRead();
        Assert.Equal(RuleIds.LockOrder, Assert.Throws<PtLockViolationException>(() => mm.MmapLock.DownRead()).RuleId);
        file.IMmapRwsem.UpRead();
    }

    [Fact]
    public void RwSemaphoreExcludesWritersFromReaders()
    {
        var machine = TestMachines.Small();
        var sem = new RwSemaphore(machine, LockClass.MmapLock, "test");
        sem.DownRead();
        Assert.False(sem.DownWriteTrylock());
        Assert.True(sem.DownReadTrylock());
        sem.UpRead();
        sem.UpRead();
        Assert.True(sem.DownWriteTrylock());
        var blocked = BackgroundThread.Start(() => { sem.DownRead(); sem.UpRead(); });
        Assert.False(blocked.Join(100));
        sem.UpWrite();
        Assert.True(blocked.Join(5000));
        Assert.Equal(RuleIds.ReleasedNotHeld, Assert.Throws<PtLockViolationException>(() => sem.UpWrite()).RuleId);
    }

    [Fact]
    public void SpinlockReallyExcludesAcrossThreads()
    {
        var mm = new Mm(TestMachines.Small());
        var pmd = TestMachines.PmdWithTable(mm, TestMachines.Base);
        long counter = 0;
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                var ptl = PmdLock(mm, pmd);
                long v = counter;
                counter = v + 1;
                SpinUnlock(ptl);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(80_000, counter);
    }
}
