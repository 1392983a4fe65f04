namespace PtLock.Runtime.Tests;

/// <summary>hugetlb faults, PMD table sharing between mms, unsharing on MADV_DONTNEED/munmap, and COW.</summary>
public class HugetlbTests
{
    /// <summary>A PUD-aligned gigabyte, so the whole PMD table can be shared.</summary>
    internal const ulong GiB = Geometry.PudSize;
    internal const ulong BaseA = 0x40_0000_0000UL;
    internal const ulong BaseB = 0x80_0000_0000UL;

    internal static VmFaultResult Fault(Vma vma, ulong addr, bool write) => TestFaults.Fault(vma, addr, write);

    internal static PteVal HugeEntry(Vma vma, ulong addr)
    {
        var mm = vma.Mm;
        Hugetlb.HugetlbVmaLockRead(vma);
        try
        {
            var ptep = Hugetlb.HugetlbWalk(vma, addr);
            return ptep is null ? PteVal.Empty : Hugetlb.HugePtepGet(mm, addr, ptep);
        }
        finally
        {
            Hugetlb.HugetlbVmaUnlockRead(vma);
        }
    }

    internal static (Machine, Mm, Vma, Mm, Vma, AddressSpace) TwoSharers(bool validate = true, StaleHandleMode stale = StaleHandleMode.Checked)
    {
        var machine = TestMachines.Small(validate: validate, stale: stale);
        var file = new AddressSpace(machine, "hugetlbfs/shm");
        var mmA = new Mm(machine);
        var mmB = new Mm(machine);
        const VmFlags flags = VmFlags.Read | VmFlags.Write | VmFlags.Shared | VmFlags.Hugetlb;
        var vmaA = mmA.Mmap(BaseA, GiB, flags, file);
        var vmaB = mmB.Mmap(BaseB, GiB, flags, file);
        return (machine, mmA, vmaA, mmB, vmaB, file);
    }

    private static PageFrame PmdTableOf(Vma vma, ulong addr)
    {
        Hugetlb.HugetlbVmaLockRead(vma);
        try { return Hugetlb.HugetlbWalk(vma, addr)!.Frame; }
        finally { Hugetlb.HugetlbVmaUnlockRead(vma); }
    }

    [Fact]
    public void SharedFaultsInTwoMmsShareOnePmdTableAndOneHugePage()
    {
        var (machine, mmA, vmaA, mmB, vmaB, file) = TwoSharers();
        ulong off = 5 * Hugetlb.HugePageSize;
        Assert.Equal(VmFaultResult.None, Fault(vmaA, BaseA + off + 0x1234, write: true));
        Assert.Equal(VmFaultResult.None, Fault(vmaB, BaseB + off, write: false));

        var tableA = PmdTableOf(vmaA, BaseA + off);
        Assert.Same(tableA, PmdTableOf(vmaB, BaseB + off));
        Assert.Equal(1, tableA.ShareCount);
        var entry = HugeEntry(vmaB, BaseB + off);
        Assert.True(entry.IsPresent && entry.IsWrite && (entry.Raw & EntryBits.Pse) != 0);
        var folio = file.FindFolio(Hugetlb.VmaHugecacheOffset(vmaA, BaseA + off))!;
        Assert.Equal(folio.Pfn, entry.Pfn);
        Assert.Equal(1, folio.MapCount); // one entry, seen by two mms
        Assert.Equal(Hugetlb.PagesPerHugePage, mmA.HugetlbUsage);
        Assert.Equal(1, mmB.NrPmds);
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mmA, mmB }));
    }

    [Fact]
    public void MadviseDontneedUnsharesWithoutTouchingTheOtherMmsEntries()
    {
        var (machine, mmA, vmaA, mmB, vmaB, _) = TwoSharers();
        Assert.Equal(VmFaultResult.None, Fault(vmaA, BaseA, write: true));
        Assert.Equal(VmFaultResult.None, Fault(vmaB, BaseB, write: true));
        var table = PmdTableOf(vmaA, BaseA);

        mmB.MmapLock.DownRead();
        try { Memory.ZapPageRangeSingle(vmaB, BaseB, Hugetlb.HugePageSize, null); }
        finally { mmB.MmapLock.UpRead(); }

        Assert.Equal(0, table.ShareCount);
        Assert.Equal(0, mmB.NrPmds);
        Assert.True(HugeEntry(vmaA, BaseA).IsPresent);
        Assert.True(HugeEntry(vmaB, BaseB).IsNone);
        // B faults again: it shares A's table again rather than allocating its own.
        Assert.Equal(VmFaultResult.None, Fault(vmaB, BaseB, write: false));
        Assert.Same(table, PmdTableOf(vmaB, BaseB));
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mmA, mmB }));
    }

    [Fact]
    public void MunmapOfTheOwnerLeavesTheTableToTheSharerUntilItUnmapsToo()
    {
        var (machine, mmA, vmaA, mmB, vmaB, file) = TwoSharers();
        Assert.Equal(VmFaultResult.None, Fault(vmaA, BaseA + Hugetlb.HugePageSize, write: true));
        Assert.Equal(VmFaultResult.None, Fault(vmaB, BaseB + Hugetlb.HugePageSize, write: true));
        var table = PmdTableOf(vmaA, BaseA);
        int generation = table.Generation;

        Assert.Equal(1, mmA.Munmap(BaseA, GiB));
        Assert.Equal(0, mmA.NrPmds);
        // A let go of the shared table without zapping B's entries; as in the kernel, hugetlb_usage is per
        // fault, not reconciled on unshare.
        Assert.Equal(Hugetlb.PagesPerHugePage, mmA.HugetlbUsage);
        Assert.True(HugeEntry(vmaB, BaseB + Hugetlb.HugePageSize).IsPresent);
        Assert.Equal(generation, table.Generation);
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mmA, mmB }));

        Assert.Equal(1, mmB.Munmap(BaseB, GiB));
        Rcu.Barrier();
        Assert.NotEqual(generation, table.Generation); // freed after a grace period
        Assert.Equal(0, mmB.NrPmds);
        Assert.Equal(1, file.FindFolio(1)!.RefCount); // only the page cache holds it now
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mmA, mmB }));
    }

    [Fact]
    public void PrivateMappingsDoNotShareAndCopyOnWrite()
    {
        var machine = TestMachines.Small();
        var file = new AddressSpace(machine, "hugetlbfs/data");
        var shm = new Mm(machine);
        var shared = shm.Mmap(BaseA, 2 * Hugetlb.HugePageSize, VmFlags.Read | VmFlags.Write | VmFlags.Shared | VmFlags.Hugetlb, file);
        Assert.Equal(VmFaultResult.None, Fault(shared, BaseA, write: true));
        var cached = file.FindFolio(0)!;
        cached.Content = 42;

        var mm = new Mm(machine);
        var priv = mm.Mmap(BaseB, 2 * Hugetlb.HugePageSize, VmFlags.Read | VmFlags.Write | VmFlags.Hugetlb, file);
        Assert.Null(priv.HugetlbVmaLock);
        Assert.Equal(VmFaultResult.None, Fault(priv, BaseB, write: false));
        var readOnly = HugeEntry(priv, BaseB);
        Assert.Equal(cached.Pfn, readOnly.Pfn);
        Assert.False(readOnly.IsWrite);

        Assert.Equal(VmFaultResult.None, Fault(priv, BaseB, write: true));
        var copied = HugeEntry(priv, BaseB);
        Assert.NotEqual(cached.Pfn, copied.Pfn);
        Assert.True(copied.IsWrite);
        Assert.Equal(42UL, machine.Memory.FrameOf(copied.Pfn).Folio!.Content);
        Assert.Equal(1, cached.MapCount);

        // A private write to a page the file does not have yet gets a new anonymous page straight away.
        Assert.Equal(VmFaultResult.None, Fault(priv, BaseB + Hugetlb.HugePageSize, write: true));
        Assert.Null(file.FindFolio(1));
        Assert.True(HugeEntry(priv, BaseB + Hugetlb.HugePageSize).IsWrite);
        Assert.Empty(PageTableCheck.Audit(machine, new[] { shm, mm }));

        Assert.Equal(1, mm.Munmap(BaseB, 2 * Hugetlb.HugePageSize));
        Rcu.Barrier();
        Assert.Empty(PageTableCheck.Audit(machine, new[] { shm, mm }));
    }

    [Fact]
    public void BadInputIsRejectedWithClearErrors()
    {
        var (_, mmA, vmaA, _, vmaB, _) = TwoSharers();
        Assert.Equal(VmFaultResult.Sigsegv, Fault(vmaA, BaseA + GiB, write: false));
        Hugetlb.HugetlbVmaLockRead(vmaA);
        try
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => Hugetlb.HugetlbWalk(vmaA, BaseA + 0x1000));
            Assert.Throws<ArgumentException>(() => Hugetlb.HugePteAlloc(mmA, vmaB, BaseB));
        }
        finally
        {
            Hugetlb.HugetlbVmaUnlockRead(vmaA);
        }
        Assert.Throws<ArgumentException>(() => mmA.Munmap(BaseA + Geometry.PageSize, Geometry.PageSize)); // inside a huge page
        var anon = new Mm(mmA.Machine).Mmap(BaseA, Geometry.PmdSize, VmFlags.Read);
        Assert.Throws<ArgumentException>(() => Hugetlb.HugetlbWalk(anon, BaseA));
        // uffd-wp on hugetlb (hugetlb_change_protection) is refused, not approximated with PTE tables.
        Assert.Throws<NotSupportedException>(() => Userfaultfd.UffdioWriteprotect(mmA, BaseA, Geometry.PageSize, enableWp: true));
        Assert.Equal(0, mmA.NrPtes);
    }

    [Fact]
    public void WalkingAShareableVmaWithoutItsLockIsReportedAsPtl0008()
    {
        var (_, _, vmaA, _, _, _) = TwoSharers();
        var e = Assert.Throws<PtLockViolationException>(() => Hugetlb.HugetlbWalk(vmaA, BaseA));
        Assert.Equal(RuleIds.HugetlbWindowUnlocked, e.RuleId);
        // i_mmap_rwsem covers the window as well.
        vmaA.File!.IMmapRwsem.DownRead();
        try { Assert.Null(Hugetlb.HugetlbWalk(vmaA, BaseA)); }
        finally { vmaA.File!.IMmapRwsem.UpRead(); }
    }
}
