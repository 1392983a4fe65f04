namespace PtLock.Runtime.Tests.Scenarios;

/// <summary>
/// Thread 001: hugetlb_fault gets a pte_t * into a PMD table shared with another mm, does other work, then takes
/// huge_pte_lock. If nothing stops huge_pmd_unshare meanwhile, the table can be unshared, freed by its last user
/// and reused, and the lock taken is inside someone else's table. The race is forced deterministically: a
/// scheduling hook runs the unshare, the owner's munmap and the reuse at the moment the fault first reads
/// the entry, between huge_pte_alloc and huge_pte_lock.
/// </summary>
public class HugetlbFaultVersusUnshareTests
{
    private const ulong GiB = HugetlbTests.GiB;
    private const ulong BaseA = HugetlbTests.BaseA;
    private const ulong BaseB = HugetlbTests.BaseB;

    /// <summary>hugetlb_fault before the 2020–22 fixes: only the fault mutex; nothing covers the pte_t * window.</summary>
    private static VmFaultResult HugetlbFaultWithoutVmaLock(Vma vma, ulong address)
    {
        var mm = vma.Mm;
        ulong haddr = address & Hugetlb.HugePageMask;
        var mapping = vma.File!;
        ulong idx = Hugetlb.VmaHugecacheOffset(vma, haddr);
        var mutex = Hugetlb.HugetlbFaultMutex(mapping, idx);
        mutex.DownWrite();
        try
        {
            var ptep = Hugetlb.HugePteAlloc(mm, vma, haddr);
            if (ptep is null)
                return VmFaultResult.Oom;
            var entry = Hugetlb.HugePtepGet(mm, haddr, ptep);
            var folio = mapping.GetOrCreateFolio(idx)!; // "do some stuff, possibly allocate a page"
            var ptl = Hugetlb.HugePteLock(mm, ptep);
            if (Pgtable.PteNone(entry) && Pgtable.PteSame(Hugetlb.HugePtepGet(mm, haddr, ptep), entry))
            {
                folio.Get();
                Rmap.FolioAddFileRmapPte(folio, vma);
                Hugetlb.SetHugePteAt(mm, haddr, ptep, Hugetlb.MakeHugePte(vma, folio, writable: true));
            }
            SpinUnlock(ptl);
            return VmFaultResult.None;
        }
        finally
        {
            mutex.UpWrite();
        }
    }

    /// <summary>
    /// At the fault's first read of the hugetlb entry: on another thread, B drops its share (MADV_DONTNEED), A
    /// unmaps everything (the PMD table's last user frees it), and a third mm's PMD allocation reuses the page.
    /// Waits for that thread at most <paramref name="waitMs"/>: with the fix it blocks on B's vma lock.
    /// </summary>
    private sealed class UnshareFreeAndReuse(Machine machine, Mm mmA, Mm mmB, Vma vmaB, int waitMs) : ISchedulingHook
    {
        public bool Fired { get; private set; }
        public bool FinishedInsideTheWindow { get; private set; }
        public Thread? Interferer { get; private set; }
        public PageFrame? SharedTable { get; private set; }
        public PmdTable? Reuser { get; private set; }
        public Mm? ThirdMm { get; private set; }
        public Exception? Failure { get; private set; }

        public void OnPoint(SchedPointKind kind, object? subject)
        {
            if (Fired || kind != SchedPointKind.EntryRead || subject is not Pte { Frame.Kind: FrameKind.PmdTable } ptep)
                return;
            Fired = true;
            SharedTable = ptep.Frame;
            var table = ptep.Frame;
            Interferer = new Thread(() =>
            {
                try
                {
                    mmB.MmapLock.DownRead();
                    try { Memory.ZapPageRangeSingle(vmaB, BaseB, Hugetlb.HugePageSize, null); }
                    finally { mmB.MmapLock.UpRead(); }
                    mmA.Munmap(BaseA, GiB);
                    Rcu.Barrier();
                    ThirdMm = new Mm(machine);
                    var misses = new List<PmdTable>();
                    for (int i = 0; i < 8 && Reuser is null; i++)
                    {
                        if (PmdAllocOne(ThirdMm) is not { } t)
                            break;
                        if (t.Frame == table)
                            Reuser = t;
                        else
                            misses.Add(t);
                    }
                    foreach (var t in misses)
                        PmdFree(ThirdMm, t);
                }
                catch (Exception e)
                {
                    Failure = e;
                }
            }) { IsBackground = true };
            Interferer.Start();
            FinishedInsideTheWindow = Interferer.Join(waitMs);
        }
    }

    private static (Machine, Mm, Vma, Mm, Vma) SharedSetup(bool validate, StaleHandleMode stale)
    {
        var (machine, mmA, vmaA, mmB, vmaB, _) = HugetlbTests.TwoSharers(validate, stale);
        // A populates the table; B's first fault will share it.
        Assert.Equal(VmFaultResult.None, HugetlbTests.Fault(vmaA, BaseA + Hugetlb.HugePageSize, write: true));
        return (machine, mmA, vmaA, mmB, vmaB);
    }

    private static T UnderMmapLock<T>(Mm mm, Func<T> fault)
    {
        mm.MmapLock.DownRead();
        try { return fault(); }
        finally { mm.MmapLock.UpRead(); }
    }

    [Fact]
    public void PreFixFaultLocksAFreedSharedTableAndIsCaughtAsPtl0008()
    {
        var (machine, mmA, _, mmB, vmaB) = SharedSetup(validate: false, StaleHandleMode.Checked);
        var hook = new UnshareFreeAndReuse(machine, mmA, mmB, vmaB, waitMs: 10_000);
        PtLockViolationException? caught = null;
        using (SchedPoint.Attach(hook))
        {
            try { UnderMmapLock(mmB, () => HugetlbFaultWithoutVmaLock(vmaB, BaseB)); }
            catch (PtLockViolationException e) { caught = e; }
        }
        Assert.True(hook.Fired);
        Assert.True(hook.FinishedInsideTheWindow);
        Assert.Null(hook.Failure);
        Assert.NotNull(hook.Reuser);
        Assert.NotNull(caught);
        Assert.Equal(RuleIds.HugetlbWindowUnlocked, caught!.RuleId);
        LockDep.ResetThread();
    }

    [Fact]
    public void PreFixFaultInRawModeTakesAnotherTablesLockAndWritesIntoIt()
    {
        var (machine, mmA, _, mmB, vmaB) = SharedSetup(validate: false, StaleHandleMode.Raw);
        var hook = new UnshareFreeAndReuse(machine, mmA, mmB, vmaB, waitMs: 10_000);
        using (SchedPoint.Attach(hook))
            Assert.Equal(VmFaultResult.None, UnderMmapLock(mmB, () => HugetlbFaultWithoutVmaLock(vmaB, BaseB)));
        Assert.True(hook.FinishedInsideTheWindow);
        Assert.Null(hook.Failure);
        var reuser = hook.Reuser!;
        // The third mm's fresh, never-installed PMD table now holds a huge mapping of B's page: silent corruption.
        var slot = new PteVal(reuser.Frame.Entries![Geometry.PmdIndex(BaseB)]);
        Assert.True(slot.IsPresent);
        Assert.True((slot.Raw & EntryBits.Pse) != 0);
    }

    [Fact]
    public void MainlineFaultHoldsTheVmaLockSoTheUnshareWaitsUntilThePteIsNoLongerUsed()
    {
        var (machine, mmA, vmaA, mmB, vmaB) = SharedSetup(validate: true, StaleHandleMode.Checked);
        var hook = new UnshareFreeAndReuse(machine, mmA, mmB, vmaB, waitMs: 300);
        using (SchedPoint.Attach(hook))
            Assert.Equal(VmFaultResult.None, HugetlbTests.Fault(vmaB, BaseB, write: true));
        Assert.True(hook.Fired);
        Assert.False(hook.FinishedInsideTheWindow); // blocked on B's hugetlb vma lock until the fault was done
        Assert.True(hook.Interferer!.Join(10_000));
        Assert.Null(hook.Failure);
        // The fault completed into the shared table; the unshare then took it away from B, A unmapped it all.
        Assert.True(HugetlbTests.HugeEntry(vmaB, BaseB).IsNone);
        Assert.Equal(0, mmB.NrPmds);
        Rcu.Barrier();
        PmdFree(hook.ThirdMm!, hook.Reuser!); // the reuse itself is not part of the audit
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mmA, mmB, hook.ThirdMm! }));
    }

    [Fact]
    public void PreFixFaultWithTheValidatorOnIsStoppedAtHugePteAlloc()
    {
        var (_, _, _, mmB, vmaB) = SharedSetup(validate: true, StaleHandleMode.Checked);
        var e = Assert.Throws<PtLockViolationException>(() => UnderMmapLock(mmB, () => HugetlbFaultWithoutVmaLock(vmaB, BaseB)));
        Assert.Equal(RuleIds.HugetlbWindowUnlocked, e.RuleId);
        LockDep.ResetThread();
    }

    [Fact]
    public void ConcurrentFaultsAndUnsharesInTwoMmsStayConsistent()
    {
        var (machine, mmA, vmaA, mmB, vmaB) = SharedSetup(validate: true, StaleHandleMode.Checked);
        var deadline = DateTime.UtcNow.AddMilliseconds(400);
        int rounds = 0;
        var faulter = BackgroundThread.Start(() =>
        {
            for (int i = 0; DateTime.UtcNow < deadline; i++)
            {
                ulong off = (ulong)(i % 4) * Hugetlb.HugePageSize;
                Assert.Equal(VmFaultResult.None, HugetlbTests.Fault(vmaB, BaseB + off, write: (i & 1) == 0));
                Assert.Equal(VmFaultResult.None, HugetlbTests.Fault(vmaA, BaseA + off, write: false));
                Interlocked.Increment(ref rounds);
            }
        });
        var unsharer = BackgroundThread.Start(() =>
        {
            for (int i = 0; DateTime.UtcNow < deadline; i++)
            {
                mmB.MmapLock.DownRead();
                try { Memory.ZapPageRangeSingle(vmaB, BaseB + (ulong)(i % 4) * Hugetlb.HugePageSize, Hugetlb.HugePageSize, null); }
                finally { mmB.MmapLock.UpRead(); }
            }
        });
        Assert.True(faulter.Join(20_000));
        Assert.True(unsharer.Join(20_000));
        Assert.True(rounds > 0);
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mmA, mmB }));
    }
}
