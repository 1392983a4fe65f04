namespace PtLock.Runtime.Tests;

public class WalkerTests
{
    private const ulong Addr = TestMachines.Base + 5 * Geometry.PageSize;

    [Fact]
    public void MapFailsOnANonePmdAndLeavesNothingHeld()
    {
        var mm = new Mm(TestMachines.Small());
        var pmd = PmdAllocWalk(mm, Addr)!;
        Assert.Null(PteOffsetMap(pmd, Addr));
        Assert.Null(PteOffsetMapLock(mm, pmd, Addr, out _));
        Assert.Null(PteOffsetMapRwNolock(mm, pmd, Addr, out var pmdval, out _));
        Assert.True(PmdNone(pmdval));
        Assert.Equal(0, Rcu.Depth);
    }

    [Fact]
    public void MapFailsOnAHugePmd()
    {
        var mm = new Mm(TestMachines.Small());
        var pmd = PmdAllocWalk(mm, Addr)!;
        var pml = PmdLock(mm, pmd);
        SetPmdAt(mm, Addr & Geometry.PmdMask, pmd, PmdVal.Huge(1024, PgProt.ReadWrite));
        SpinUnlock(pml);
        Assert.Null(PteOffsetMap(pmd, Addr));
        Assert.Equal(0, Rcu.Depth);
    }

    [Fact]
    public void MapLockHoldsRcuAndThePtlOfTheTable()
    {
        var mm = new Mm(TestMachines.Small());
        var pmd = TestMachines.PmdWithTable(mm, Addr);
        var pte = PteOffsetMapLock(mm, pmd, Addr, out var ptl)!;
        Assert.Equal(5, pte.Index);
        Assert.Equal(1, Rcu.Depth);
        Assert.True(ptl.IsHeldByCurrentThread);
        Assert.Same(PteLockptr(mm, pmd), ptl);
        PteUnmapUnlock(pte, ptl);
        Assert.Equal(0, Rcu.Depth);
        Assert.False(ptl.IsLocked);
    }

    [Fact]
    public void MapLockRechecksThePmdAfterLockingAndRetriesWhenTheTableWasReplaced()
    {
        var mm = new Mm(TestMachines.Small());
        var pmd = TestMachines.PmdWithTable(mm, Addr);
        var original = PmdpGet(pmd);
        var replacement = PteAllocOne(mm)!;
        bool swapped = false;
        var hook = new ActionHook((kind, subject) =>
        {
            // At the moment the walker is about to spin on the old table's lock, another CPU retracts the
            // table and installs a new one: the walker must notice with pmd_same and retry.
            if (swapped || kind != SchedPointKind.LockAcquire || subject is not Ptl)
                return;
            swapped = true;
            var retract = new Thread(() =>
            {
                var pml = PmdLock(mm, pmd);
                PmdClear(pmd);
                PmdPopulate(mm, pmd, replacement);
                SpinUnlock(pml);
            });
            retract.Start();
            retract.Join();
        });
        Pte? pte;
        Ptl ptl;
        using (SchedPoint.Attach(hook))
            pte = PteOffsetMapLock(mm, pmd, Addr, out ptl);
        Assert.True(swapped);
        Assert.NotNull(pte);
        Assert.Same(replacement.Frame, pte!.Frame);
        Assert.NotEqual(original, PmdpGet(pmd));
        PteUnmapUnlock(pte, ptl);
    }

    [Fact]
    public void RwNolockDeliversThePmdValueUsedAndTheLockUntaken()
    {
        var mm = new Mm(TestMachines.Small());
        var pmd = TestMachines.PmdWithTable(mm, Addr);
        var pte = PteOffsetMapRwNolock(mm, pmd, Addr, out var pmdval, out var ptl)!;
        Assert.True(PmdSame(pmdval, PmdpGet(pmd)));
        Assert.False(ptl.IsLocked);
        SpinLock(ptl);
        Assert.True(PmdSame(pmdval, PmdpGetLockless(pmd)));
        SetPteAt(mm, Addr, pte, PfnPte(7, PgProt.ReadOnly));
        PteUnmapUnlock(pte, ptl);
    }

    [Fact]
    public void WritingWithoutThePtlIsReported()
    {
        var mm = new Mm(TestMachines.Small());
        var pmd = TestMachines.PmdWithTable(mm, Addr);
        var pte = PteOffsetMap(pmd, Addr)!;
        var ex = Assert.Throws<PtLockViolationException>(() => SetPteAt(mm, Addr, pte, PfnPte(7, PgProt.ReadOnly)));
        Assert.Equal(RuleIds.RequiresLockNotHeld, ex.RuleId);
        PteUnmap(pte);
    }

    [Fact]
    public void UseAfterUnmapAndDoubleUnmapAreReported()
    {
        var mm = new Mm(TestMachines.Small());
        var pmd = TestMachines.PmdWithTable(mm, Addr);
        var pte = PteOffsetMap(pmd, Addr)!;
        PteUnmap(pte);
        Assert.Equal(RuleIds.UseAfterUnmap, Assert.Throws<PtLockViolationException>(() => PtepGet(pte)).RuleId);
        Assert.Equal(RuleIds.PteMapUnmapPairing, Assert.Throws<PtLockViolationException>(() => PteUnmap(pte)).RuleId);
    }

    [Fact]
    public void OverwritingAPresentEntryWithAnotherPageIsCaughtByPageTableCheck()
    {
        var mm = new Mm(TestMachines.Small());
        var pmd = TestMachines.PmdWithTable(mm, Addr);
        TestMachines.SetEntry(mm, pmd, Addr, PfnPte(7, PgProt.ReadOnly));
        var pte = PteOffsetMapLock(mm, pmd, Addr, out var ptl)!;
        var ex = Assert.Throws<PtLockViolationException>(() => SetPteAt(mm, Addr, pte, PfnPte(8, PgProt.ReadOnly)));
        Assert.Equal(RuleIds.PteRecheckUnderPtl, ex.RuleId);
        PteUnmapUnlock(pte, ptl);
    }

    [Fact]
    public void BadAddressesAndForeignPointersGetClearErrors()
    {
        var machine = TestMachines.Small();
        var mm = new Mm(machine);
        var other = new Mm(machine);
        var pmd = TestMachines.PmdWithTable(mm, Addr);
        Assert.Throws<ArgumentOutOfRangeException>(() => PgdOffset(mm, 1UL << 50));
        Assert.Throws<ArgumentException>(() => PteOffsetMap(pmd, Addr + Geometry.PmdSize));
        Assert.Throws<ArgumentException>(() => PteOffsetMapLock(other, pmd, Addr, out _));
        var pte = PteOffsetMapLock(mm, pmd, Addr, out var ptl)!;
        Assert.Throws<ArgumentException>(() => SetPteAt(mm, Addr + Geometry.PageSize, pte, PfnPte(1, PgProt.ReadOnly)));
        Assert.Throws<ArgumentException>(() => SetPteAt(mm, Addr + 1, pte, PfnPte(1, PgProt.ReadOnly)));
        Assert.Throws<ArgumentException>(() => SetPteAt(other, Addr, pte, PfnPte(1, PgProt.ReadOnly)));
        Assert.Throws<ArgumentNullException>(() => SpinLock(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => pte + 600);
        Assert.Throws<IndexOutOfRangeException>(() => PtepGet(pte + (512 - pte.Index)));
        PteUnmapUnlock(pte, ptl);
        Assert.Throws<ArgumentException>(() => mm.Mmap(0x1001, Geometry.PageSize, VmFlags.Read));
        Assert.Throws<ArgumentOutOfRangeException>(() => mm.Mmap(1UL << 48, Geometry.PageSize, VmFlags.Read));
        mm.Mmap(TestMachines.Base, Geometry.PmdSize, VmFlags.Read);
        Assert.Throws<ArgumentException>(() => mm.Mmap(TestMachines.Base + Geometry.PageSize, Geometry.PageSize, VmFlags.Read));
    }

    [Fact]
    public void FiveLevelPagingWalksThroughARealP4d()
    {
        var machine = new Machine(new MachineOptions { FrameCount = 1024, PagingLevels = 5 });
        var mm = new Mm(machine);
        ulong addr = 1UL << 52;
        var pmd = TestMachines.PmdWithTable(mm, addr);
        TestMachines.SetEntry(mm, pmd, addr, PfnPte(9, PgProt.ReadOnly));
        Assert.Equal((1L, 1L, 1L), (mm.NrPtes, mm.NrPmds, mm.NrPuds));
        var pgd = PgdOffset(mm, addr);
        Assert.NotSame(pgd.Frame, P4dOffset(pgd, addr).Frame);
        var pte = PteOffsetMap(Rmap.MmFindPmd(mm, addr)!, addr)!;
        Assert.Equal(9UL, PtePfn(PtepGet(pte)));
        PteUnmap(pte);
    }

    private sealed class ActionHook(Action<SchedPointKind, object?> onPoint) : ISchedulingHook
    {
        public void OnPoint(SchedPointKind kind, object? subject) => onPoint(kind, subject);
    }
}
