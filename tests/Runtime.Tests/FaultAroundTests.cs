namespace PtLock.Runtime.Tests;

/// <summary>do_read_fault's fault-around: the cached neighbours of a read fault are mapped in one go.</summary>
public class FaultAroundTests
{
    private const ulong Base = TestMachines.Base;

    private static (Machine Machine, Mm Mm, AddressSpace File, Vma Vma) FileMapping(int faultAroundPages = 16, int cachedPages = 64, ulong pgoff = 0)
    {
        var machine = new Machine(new MachineOptions { FrameCount = 4096, FaultAroundPages = faultAroundPages, LockupTimeout = TimeSpan.FromSeconds(10) });
        var mm = new Mm(machine);
        var file = new AddressSpace(machine, "data.bin");
        for (ulong i = 0; i < (ulong)cachedPages; i++)
            Assert.NotNull(file.GetOrCreateFolio(pgoff + i));
        var vma = mm.Mmap(Base, Geometry.PmdSize, VmFlags.Read | VmFlags.Shared | VmFlags.MayShare, file, pgoff);
        return (machine, mm, file, vma);
    }

    private static VmFaultResult ReadFault(Vma vma, ulong addr)
    {
        vma.Mm.MmapLock.DownRead();
        try { return Memory.HandleMmFault(vma, addr, FaultFlags.User); }
        finally { vma.Mm.MmapLock.UpRead(); }
    }

    private static List<int> MappedPages(Mm mm)
    {
        var mapped = new List<int>();
        var pte = PteOffsetMap(Rmap.MmFindPmd(mm, Base)!, Base)!;
        for (int i = 0; i < Geometry.PtrsPerTable; i++)
            if (!PteNone(PtepGet(pte + i)))
                mapped.Add(i);
        PteUnmap(pte);
        return mapped;
    }

    [Fact]
    public void AReadFaultMapsTheAlignedWindowOfCachedPages()
    {
        var (machine, mm, _, vma) = FileMapping();
        int framesBefore = machine.Memory.FreeFrames;
        Assert.Equal(VmFaultResult.NoPage, ReadFault(vma, Base + 21 * Geometry.PageSize));
        Assert.Equal(Enumerable.Range(16, 16), MappedPages(mm));
        Assert.Equal(16, mm.FileRss);
        Assert.Equal(1, mm.NrPtes);
        Assert.Equal(framesBefore - 3, machine.Memory.FreeFrames); // PUD and PMD tables, and the preallocated PTE table installed: no leak
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
    }

    [Fact]
    public void OnlyCachedPagesAreMappedAndTheFaultingPageIsReadIn()
    {
        var (machine, mm, file, vma) = FileMapping(cachedPages: 0);
        Assert.NotNull(file.GetOrCreateFolio(2));
        Assert.NotNull(file.GetOrCreateFolio(9));
        Assert.Equal(VmFaultResult.None, ReadFault(vma, Base + 5 * Geometry.PageSize));
        Assert.Equal(new[] { 2, 5, 9 }, MappedPages(mm));
        Assert.Equal(3, mm.FileRss);
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
    }

    [Fact]
    public void PopulatedEntriesAreLeftAloneAndAnUnusedPreallocatedTableIsFreed()
    {
        var (machine, mm, _, vma) = FileMapping();
        Assert.Equal(VmFaultResult.NoPage, ReadFault(vma, Base + 3 * Geometry.PageSize));
        int framesAfterFirst = machine.Memory.FreeFrames;
        Assert.Equal(VmFaultResult.NoPage, ReadFault(vma, Base + 40 * Geometry.PageSize));
        Assert.Equal(Enumerable.Range(0, 16).Concat(Enumerable.Range(32, 16)), MappedPages(mm));
        Assert.Equal(32, mm.FileRss);
        Assert.Equal(framesAfterFirst, machine.Memory.FreeFrames); // the table existed: nothing preallocated, nothing leaked
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
    }

    [Fact]
    public void TheWindowIsClippedToTheVmaAndOnePageDisablesIt()
    {
        var (machine, mm, _, vma) = FileMapping(faultAroundPages: 1);
        Assert.Equal(VmFaultResult.None, ReadFault(vma, Base + 7 * Geometry.PageSize));
        Assert.Equal(new[] { 7 }, MappedPages(mm));
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));

        Assert.Throws<ArgumentOutOfRangeException>(() => new Machine(new MachineOptions { FaultAroundPages = 3 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Machine(new MachineOptions { FaultAroundPages = 0 }));
    }

    [Fact]
    public void RacingReadFaultsOverOneWindowMapEachPageOnce()
    {
        for (int round = 0; round < 50; round++)
        {
            var (machine, mm, _, vma) = FileMapping(cachedPages: 32);
            int framesBefore = machine.Memory.FreeFrames;
            using var start = new Barrier(2);
            var threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                ReadFault(vma, Base + (ulong)(t == 0 ? 1 : 14) * Geometry.PageSize);
            })).ToList();
            threads.ForEach(th => th.Start());
            threads.ForEach(th => th.Join());
            Assert.Equal(Enumerable.Range(0, 16), MappedPages(mm));
            Assert.Equal(16, mm.FileRss);
            Assert.Equal(1, mm.NrPtes);
            // Both may have preallocated a PTE table; the loser's must have been freed (PUD, PMD, PTE remain).
            Assert.Equal(framesBefore - 3, machine.Memory.FreeFrames);
            Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
        }
    }
}
