namespace PtLock.Runtime.Tests;

/// <summary>munmap and exit_mmap free every table through RCU; private file writes copy on write (do_cow_fault).</summary>
public class TeardownTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void ExitFreesEveryTableAndThePgdAndLeavesADeadMm(int levels)
    {
        var machine = new Machine(new MachineOptions { FrameCount = 1024, PagingLevels = levels, LockupTimeout = TimeSpan.FromSeconds(10) });
        int freeBefore = machine.Memory.FreeFrames;
        var mm = new Mm(machine);
        var file = new AddressSpace(machine, "data");
        var anon = mm.Mmap(0x7f00_0000_0000UL, 4 * Geometry.PmdSize, VmFlags.Read | VmFlags.Write);
        var mapped = mm.Mmap(0x10_0000_0000UL, Geometry.PmdSize, VmFlags.Read | VmFlags.Write | VmFlags.Shared | VmFlags.UffdWp, file);
        for (ulong a = anon.Start; a < anon.End; a += 301 * Geometry.PageSize)
            Assert.Equal(VmFaultResult.None, TestFaults.Fault(anon, a, write: true));
        Assert.Equal(VmFaultResult.None, TestFaults.Fault(mapped, mapped.Start, write: true));
        Userfaultfd.UffdioWriteprotect(mm, mapped.Start + Geometry.PageSize, Geometry.PageSize, enableWp: true); // a marker
        Assert.True(mm.NrPtes > 0);

        mm.Exit();
        Rcu.Barrier();

        Assert.True(mm.IsDead);
        Assert.Equal(0, mm.NrPtes);
        Assert.Equal(0, mm.NrPmds);
        Assert.Equal(0, mm.AnonRss);
        Assert.Equal(0, mm.FileRss);
        Assert.Empty(file.Mappings);
        // Only the file's page-cache page is left allocated.
        Assert.Equal(freeBefore - file.CachedPages, machine.Memory.FreeFrames);
        Assert.Throws<MmTornDownException>(() => mm.Mmap(0x7f00_0000_0000UL, Geometry.PageSize, VmFlags.Read));
        Assert.Throws<MmTornDownException>(() => mm.Exit());
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
    }

    [Fact]
    public void MunmapFreesTheTablesOnlyItsVmaUsed()
    {
        var machine = TestMachines.Small();
        var mm = new Mm(machine);
        ulong a = TestMachines.Base, b = TestMachines.Base + Geometry.PmdSize / 2;
        var first = mm.Mmap(a, Geometry.PmdSize / 2, VmFlags.Read | VmFlags.Write);
        var second = mm.Mmap(b, Geometry.PmdSize / 2, VmFlags.Read | VmFlags.Write);
        Assert.Equal(VmFaultResult.None, TestFaults.Fault(first, a, write: true));
        Assert.Equal(VmFaultResult.None, TestFaults.Fault(second, b, write: true));
        Assert.Equal(1, mm.NrPtes); // both halves share one PTE table

        Assert.Equal(1, mm.Munmap(a, Geometry.PmdSize / 2));
        Assert.Equal(1, mm.NrPtes); // the neighbour still uses the table
        Assert.True(TestFaults.Entry(mm, a).IsNone);
        Assert.True(TestFaults.Entry(mm, b).IsPresent);

        Assert.Equal(1, mm.Munmap(b, Geometry.PmdSize / 2));
        Rcu.Barrier();
        Assert.Equal(0, mm.NrPtes);
        Assert.Equal(0, mm.NrPmds);
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
    }

    [Fact]
    public void APrivateFileWriteCopiesThePageAndLeavesTheCacheAlone()
    {
        var machine = TestMachines.Small();
        var file = new AddressSpace(machine, "lib.so");
        var cached = file.GetOrCreateFolio(2)!;
        cached.Content = 7;
        var mm = new Mm(machine);
        var vma = mm.Mmap(TestMachines.Base, Geometry.PmdSize, VmFlags.Read | VmFlags.Write, file);
        ulong addr = TestMachines.Base + 2 * Geometry.PageSize;

        Assert.Equal(VmFaultResult.None, TestFaults.Fault(vma, addr, write: true));

        var entry = TestFaults.Entry(mm, addr);
        Assert.True(entry.IsPresent && entry.IsWrite && entry.IsDirty);
        Assert.NotEqual(cached.Pfn, entry.Pfn);
        var copy = machine.Memory.FrameOf(entry.Pfn).Folio!;
        Assert.True(copy.IsAnon);
        Assert.Equal(7UL, copy.Content);
        Assert.Equal(0, cached.MapCount);
        Assert.Equal(1, mm.AnonRss);
        Assert.Equal(0, mm.FileRss);
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
    }

    [Fact]
    public void MunmapInTheMiddleSplitsTheVmaAndKeepsBothEnds()
    {
        var machine = TestMachines.Small();
        var file = new AddressSpace(machine, "data");
        var mm = new Mm(machine);
        var vma = mm.Mmap(TestMachines.Base, 8 * Geometry.PageSize, VmFlags.Read | VmFlags.Shared, file, pgoff: 100);
        for (ulong i = 0; i < 8; i++)
            Assert.Equal(VmFaultResult.None, TestFaults.Fault(vma, TestMachines.Base + i * Geometry.PageSize, write: false) & ~VmFaultResult.NoPage);

        Assert.Equal(1, mm.Munmap(TestMachines.Base + 2 * Geometry.PageSize, 3 * Geometry.PageSize));

        mm.MmapLock.DownRead();
        Vma[] left;
        try { left = mm.Vmas.ToArray(); }
        finally { mm.MmapLock.UpRead(); }
        Assert.Equal(2, left.Length);
        Assert.Same(vma, left[0]);
        Assert.Equal(TestMachines.Base + 2 * Geometry.PageSize, left[0].End);
        Assert.Equal(TestMachines.Base + 5 * Geometry.PageSize, left[1].Start);
        Assert.Equal(105UL, left[1].PgOff); // the file offset follows the split
        Assert.Equal(2, file.Mappings.Count);
        Assert.True(TestFaults.Entry(mm, TestMachines.Base + Geometry.PageSize).IsPresent);
        Assert.True(TestFaults.Entry(mm, TestMachines.Base + 3 * Geometry.PageSize).IsNone);
        Assert.Equal(file.FindFolio(106)!.Pfn, TestFaults.Entry(mm, TestMachines.Base + 6 * Geometry.PageSize).Pfn);
        Assert.Equal(VmFaultResult.Sigsegv, TestFaults.Fault(vma, TestMachines.Base + 3 * Geometry.PageSize, write: false));
        Assert.Equal(5, mm.FileRss);
        Rcu.Barrier();
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
    }

    [Fact]
    public void SplittingASharedHugetlbVmaUnsharesItsPmdTableFirst()
    {
        var (machine, mmA, vmaA, mmB, vmaB, _) = HugetlbTests.TwoSharers();
        Assert.Equal(VmFaultResult.None, TestFaults.Fault(vmaA, HugetlbTests.BaseA, write: true));
        Assert.Equal(VmFaultResult.None, TestFaults.Fault(vmaB, HugetlbTests.BaseB + Hugetlb.HugePageSize, write: true));
        Assert.Equal(1, mmB.NrPmds);

        Assert.Throws<ArgumentException>(() => mmB.Munmap(HugetlbTests.BaseB + Geometry.PageSize, Geometry.PageSize)); // inside a huge page
        Assert.Equal(1, mmB.Munmap(HugetlbTests.BaseB + HugetlbTests.GiB / 2, HugetlbTests.GiB / 2));

        // B no longer shares A's table (a shared table must lie inside one VMA); A's entry is untouched, and B
        // faults its remaining half into a table of its own.
        Assert.True(HugetlbTests.HugeEntry(vmaA, HugetlbTests.BaseA).IsPresent);
        Assert.Equal(VmFaultResult.None, TestFaults.Fault(vmaB, HugetlbTests.BaseB, write: false));
        Assert.Equal(1, mmB.NrPmds);
        Rcu.Barrier();
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mmA, mmB }));
    }
}
