namespace PtLock.Runtime.Tests;

/// <summary>fork (dup_mmap, copy_pte_range, copy_hugetlb_page_range): COW, file mappings, markers, teardown.</summary>
public class ForkTests
{
    private const ulong Addr = TestMachines.Base + 7 * Geometry.PageSize;

    private static Vma VmaOf(Mm mm, ulong addr)
    {
        mm.MmapLock.DownRead();
        try { return mm.VmaLookup(addr)!; }
        finally { mm.MmapLock.UpRead(); }
    }

    [Fact]
    public void AnonymousPagesBecomeCopyOnWriteInBoth()
    {
        var machine = TestMachines.Small();
        int freeBefore = machine.Memory.FreeFrames;
        var parent = new Mm(machine);
        var vma = parent.Mmap(TestMachines.Base, Geometry.PmdSize, VmFlags.Read | VmFlags.Write);
        Assert.Equal(VmFaultResult.None, TestFaults.Fault(vma, Addr, write: true));
        var folio = machine.Memory.FrameOf(TestFaults.Entry(parent, Addr).Pfn).Folio!;
        folio.Content = 5;

        var child = parent.Fork();

        var inParent = TestFaults.Entry(parent, Addr);
        var inChild = TestFaults.Entry(child, Addr);
        Assert.Equal(inParent.Pfn, inChild.Pfn);
        Assert.False(inParent.IsWrite);
        Assert.False(inChild.IsWrite);
        Assert.Equal(2, folio.MapCount);
        Assert.Equal(1, child.AnonRss);
        Assert.Empty(PageTableCheck.Audit(machine, new[] { parent, child }));

        // The child's write copies; the parent's then reuses its now exclusive page.
        var childVma = VmaOf(child, Addr);
        Assert.Equal(VmFaultResult.DoneCow, TestFaults.Fault(childVma, Addr, write: true));
        var copied = TestFaults.Entry(child, Addr);
        Assert.NotEqual(folio.Pfn, copied.Pfn);
        Assert.True(copied.IsWrite);
        Assert.Equal(5UL, machine.Memory.FrameOf(copied.Pfn).Folio!.Content);
        Assert.Equal(VmFaultResult.None, TestFaults.Fault(vma, Addr, write: true));
        Assert.Equal(folio.Pfn, TestFaults.Entry(parent, Addr).Pfn);
        Assert.True(TestFaults.Entry(parent, Addr).IsWrite);
        Assert.Empty(PageTableCheck.Audit(machine, new[] { parent, child }));

        child.Exit();
        parent.Exit();
        Rcu.Barrier();
        Assert.Equal(freeBefore, machine.Memory.FreeFrames);
    }

    [Fact]
    public void SharedFileMappingsAreNotCopiedAndUffdWpIsNotInherited()
    {
        var machine = TestMachines.Small();
        var file = new AddressSpace(machine, "shmem");
        var parent = new Mm(machine);
        var vma = parent.Mmap(TestMachines.Base, Geometry.PmdSize, VmFlags.Read | VmFlags.Write | VmFlags.Shared | VmFlags.UffdWp, file);
        Assert.Equal(VmFaultResult.None, TestFaults.Fault(vma, Addr, write: true));
        Userfaultfd.UffdioWriteprotect(parent, Addr + Geometry.PageSize, Geometry.PageSize, enableWp: true); // a marker

        var child = parent.Fork();

        // A uffd-wp VMA must be copied (markers), but the child's copy is no longer registered: nothing carries over.
        var childVma = VmaOf(child, Addr);
        Assert.False(childVma.UserfaultfdWp);
        Assert.True(TestFaults.Entry(child, Addr + Geometry.PageSize).IsNone);
        Assert.Equal(2, file.Mappings.Count);
        Assert.Equal(VmFaultResult.None, TestFaults.Fault(childVma, Addr, write: true));
        Assert.Equal(TestFaults.Entry(parent, Addr).Pfn, TestFaults.Entry(child, Addr).Pfn); // the same page-cache page
        Assert.Empty(PageTableCheck.Audit(machine, new[] { parent, child }));
    }

    [Fact]
    public void APlainSharedFileMappingIsLeftToFaults()
    {
        var machine = TestMachines.Small();
        var file = new AddressSpace(machine, "lib.so");
        var parent = new Mm(machine);
        var vma = parent.Mmap(TestMachines.Base, Geometry.PmdSize, VmFlags.Read | VmFlags.Shared, file);
        Assert.Equal(VmFaultResult.None, TestFaults.Fault(vma, Addr, write: false));

        var child = parent.Fork();

        Assert.Equal(0, child.NrPtes);
        Assert.True(TestFaults.Entry(child, Addr).IsNone);
    }

    [Fact]
    public void PrivateHugePagesAreCopiedOnTheFirstWrite()
    {
        var machine = TestMachines.Small();
        var parent = new Mm(machine);
        var vma = parent.Mmap(HugetlbTests.BaseA, 2 * Hugetlb.HugePageSize, VmFlags.Read | VmFlags.Write | VmFlags.Hugetlb);
        Assert.Equal(VmFaultResult.None, TestFaults.Fault(vma, HugetlbTests.BaseA, write: true));
        var original = HugetlbTests.HugeEntry(vma, HugetlbTests.BaseA);
        machine.Memory.FrameOf(original.Pfn).Folio!.Content = 9;

        var child = parent.Fork();

        var childVma = VmaOf(child, HugetlbTests.BaseA);
        var shared = HugetlbTests.HugeEntry(childVma, HugetlbTests.BaseA);
        Assert.Equal(original.Pfn, shared.Pfn);
        Assert.False(shared.IsWrite);
        Assert.False(HugetlbTests.HugeEntry(vma, HugetlbTests.BaseA).IsWrite);
        Assert.Equal(VmFaultResult.None, TestFaults.Fault(childVma, HugetlbTests.BaseA, write: true));
        var copy = HugetlbTests.HugeEntry(childVma, HugetlbTests.BaseA);
        Assert.NotEqual(original.Pfn, copy.Pfn);
        Assert.Equal(9UL, machine.Memory.FrameOf(copy.Pfn).Folio!.Content);
        Assert.Empty(PageTableCheck.Audit(machine, new[] { parent, child }));
    }
}
