namespace PtLock.Runtime.Tests.Scenarios;

/// <summary>
/// Threads 000 and 004: khugepaged's retract_page_tables looks at the PMD without a lock, then takes the PMD
/// lock and uses pte_lockptr(mm, pmd). Once empty tables can be reclaimed under the mmap lock held for read
/// (MADV_DONTNEED with PT reclaim), the PMD can change in between. The race is forced deterministically: a
/// scheduling hook runs the reclaim at the moment retract is about to take the PMD lock.
/// </summary>
public class RetractVersusReclaimTests
{
    private const ulong Base = 0x7f00_0000_0000UL;

    /// <summary>retract_page_tables as it was before the PT-reclaim series: no PMD recheck under the PMD lock.</summary>
    private static int RetractWithoutRecheck(AddressSpace mapping, ulong pgoff)
    {
        int retracted = 0;
        mapping.IMmapRwsem.DownRead();
        try
        {
            foreach (var vma in mapping.Mappings.ToArray())
            {
                ulong addr = vma.Start + ((pgoff - vma.PgOff) << Geometry.PageShift);
                if (Khugepaged.FindPmdOrThpOrNone(vma.Mm, addr, out var pmd) != ScanResult.Succeed || pmd is null)
                    continue;
                var mm = vma.Mm;
                var pml = PmdLock(mm, pmd);
                var ptl = PteLockptr(mm, pmd); // the PMD may no longer point to a table
                if (ptl != pml)
                    SpinLockNested(ptl, SingleDepthNesting);
                var pgt = PmdpCollapseFlush(vma, addr, pmd);
                if (ptl != pml)
                    SpinUnlock(ptl);
                SpinUnlock(pml);
                MmDecNrPtes(mm);
                PteFreeDefer(mm, PmdPgtable(mm, pgt));
                retracted++;
            }
        }
        finally
        {
            mapping.IMmapRwsem.UpRead();
        }
        return retracted;
    }

    private sealed class ReclaimWhenRetractTakesThePmdLock(Mm mm, Pmd pmd) : ISchedulingHook
    {
        public bool Fired { get; private set; }

        public void OnPoint(SchedPointKind kind, object? subject)
        {
            if (Fired || kind != SchedPointKind.LockAcquire || subject is not Ptl)
                return;
            Fired = true;
            // Another thread: MADV_DONTNEED found the table empty and frees it (thread 004).
            var reclaimer = new Thread(() =>
            {
                mm.MmapLock.DownRead();
                try
                {
                    var tlb = MmuGather.TlbGatherMmu(mm);
                    Assert.True(PtReclaim.TryToFreePte(mm, pmd, Base, tlb));
                    MmuGather.TlbFinishMmu(tlb);
                }
                finally
                {
                    mm.MmapLock.UpRead();
                }
            });
            reclaimer.Start();
            reclaimer.Join();
        }
    }

    private static (Machine, Mm, AddressSpace, Pmd) Setup()
    {
        var machine = TestMachines.Small();
        var mm = new Mm(machine);
        var file = new AddressSpace(machine, "libfoo.so");
        mm.Mmap(Base, Geometry.PmdSize, VmFlags.Read, file, pgoff: 0);
        var pmd = TestMachines.PmdWithTable(mm, Base); // an empty PTE table, as after the folio was collapsed
        return (machine, mm, file, pmd);
    }

    [Fact]
    public void PreFixRetractTakesTheLockOfATableThatIsGone()
    {
        var (_, mm, file, pmd) = Setup();
        var hook = new ReclaimWhenRetractTakesThePmdLock(mm, pmd);
        PtLockViolationException? caught = null;
        using (SchedPoint.Attach(hook))
        {
            try { RetractWithoutRecheck(file, 0); }
            catch (PtLockViolationException e) { caught = e; }
        }
        Assert.True(hook.Fired);
        Assert.NotNull(caught);
        Assert.Equal(RuleIds.PteLockptrUnstablePmd, caught!.RuleId);
        LockDepReset();
    }

    [Fact]
    public void MainlineRetractRechecksThePmdAndBacksOff()
    {
        var (machine, mm, file, pmd) = Setup();
        var hook = new ReclaimWhenRetractTakesThePmdLock(mm, pmd);
        int retracted;
        using (SchedPoint.Attach(hook))
            retracted = Khugepaged.RetractPageTables(file, 0);
        Assert.True(hook.Fired);
        Assert.Equal(0, retracted);
        Assert.True(PmdNone(PmdpGet(pmd)));
        Rcu.Barrier();
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
    }

    [Fact]
    public void MainlineRetractWithoutARaceFreesTheTableThroughRcu()
    {
        var (machine, mm, file, pmd) = Setup();
        var table = PmdPgtable(mm, PmdpGet(pmd));
        Assert.Equal(1, Khugepaged.RetractPageTables(file, 0));
        Assert.True(PmdNone(PmdpGet(pmd)));
        Rcu.Barrier();
        Assert.False(table.IsLive);
        Assert.Equal(0, mm.NrPtes);
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
    }

    [Fact]
    public void RetractSkipsUffdWpAndAnonymousVmas()
    {
        var machine = TestMachines.Small();
        var mm = new Mm(machine);
        var file = new AddressSpace(machine, "wp.so");
        var vma = mm.Mmap(Base, Geometry.PmdSize, VmFlags.Read | VmFlags.UffdWp, file);
        TestMachines.PmdWithTable(mm, Base);
        Assert.Equal(0, Khugepaged.RetractPageTables(file, 0));
        Assert.Equal(1, mm.NrPtes);
        Assert.True(vma.UserfaultfdWp);
    }

    /// <summary>The pre-fix run threw while holding the PMD lock: clear this thread's lockdep record.</summary>
    private static void LockDepReset() => PtLock.LockDep.ResetThread();
}
