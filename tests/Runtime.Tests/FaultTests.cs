namespace PtLock.Runtime.Tests;

public class FaultTests
{
    private const ulong Addr = TestMachines.Base + 3 * Geometry.PageSize;

    private static VmFaultResult Fault(Vma vma, ulong addr, bool write)
    {
        vma.Mm.MmapLock.DownRead();
        try { return Memory.HandleMmFault(vma, addr, write ? FaultFlags.Write | FaultFlags.User : FaultFlags.User); }
        finally { vma.Mm.MmapLock.UpRead(); }
    }

    private static PteVal Entry(Mm mm, ulong addr)
    {
        var pte = PteOffsetMap(Rmap.MmFindPmd(mm, addr)!, addr)!;
        var v = PtepGet(pte);
        PteUnmap(pte);
        return v;
    }

    [Fact]
    public void ReadFaultMapsTheZeroPageAndWriteFaultThenCopies()
    {
        var machine = TestMachines.Small();
        var mm = new Mm(machine);
        var vma = mm.Mmap(TestMachines.Base, Geometry.PmdSize, VmFlags.Read | VmFlags.Write);
        Assert.Equal(VmFaultResult.None, Fault(vma, Addr + 12, write: false));
        var zero = Entry(mm, Addr);
        Assert.Equal(Memory.ZeroPfn, PtePfn(zero));
        Assert.True(PteSpecial(zero));
        Assert.False(PteWrite(zero));

        Assert.Equal(VmFaultResult.DoneCow, Fault(vma, Addr, write: true));
        var written = Entry(mm, Addr);
        Assert.True(PteWrite(written) && PteDirty(written));
        Assert.NotEqual(Memory.ZeroPfn, PtePfn(written));
        Assert.Equal(1, mm.AnonRss);
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
    }

    [Fact]
    public void WriteFaultMapsAnExclusiveWritablePage()
    {
        var machine = TestMachines.Small();
        var mm = new Mm(machine);
        var vma = mm.Mmap(TestMachines.Base, Geometry.PmdSize, VmFlags.Read | VmFlags.Write);
        Assert.Equal(VmFaultResult.None, Fault(vma, Addr, write: true));
        var e = Entry(mm, Addr);
        var folio = machine.Memory.FrameOf(PtePfn(e)).Folio!;
        Assert.True(folio.IsAnon);
        Assert.Equal(1, folio.MapCount);
        Assert.Equal(VmFaultResult.None, Fault(vma, Addr, write: true)); // already writable: access flags only
        Assert.Equal(1, mm.NrPtes);
    }

    [Fact]
    public void FaultsOutsideAVmaOrAgainstItsProtectionAreSigsegv()
    {
        var mm = new Mm(TestMachines.Small());
        var vma = mm.Mmap(TestMachines.Base, Geometry.PmdSize, VmFlags.Read);
        Assert.Equal(VmFaultResult.Sigsegv, Fault(vma, Addr, write: true));
        Assert.Equal(VmFaultResult.Sigsegv, Fault(vma, TestMachines.Base + Geometry.PmdSize, write: false));
    }

    [Fact]
    public void FaultWithoutTheMmapLockIsReported()
    {
        var mm = new Mm(TestMachines.Small());
        var vma = mm.Mmap(TestMachines.Base, Geometry.PmdSize, VmFlags.Read);
        Assert.Equal(RuleIds.RequiresLockNotHeld,
            Assert.Throws<PtLockViolationException>(() => Memory.HandleMmFault(vma, Addr, FaultFlags.None)).RuleId);
    }

    [Fact]
    public void TwoThreadsFaultingTheSameAddressMapItOnce()
    {
        var machine = TestMachines.Small();
        var mm = new Mm(machine);
        var vma = mm.Mmap(TestMachines.Base, Geometry.PmdSize, VmFlags.Read | VmFlags.Write);
        for (int round = 0; round < 200; round++)
        {
            ulong addr = TestMachines.Base + (ulong)round * Geometry.PageSize;
            using var go = new Barrier(2);
            var threads = Enumerable.Range(0, 2).Select(_ => new Thread(() => { go.SignalAndWait(); Fault(vma, addr, write: true); })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
        }
        Assert.Equal(200, mm.AnonRss);
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
    }
}
