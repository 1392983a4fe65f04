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
}
