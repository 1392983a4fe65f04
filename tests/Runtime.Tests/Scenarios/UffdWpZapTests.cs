namespace PtLock.Runtime.Tests.Scenarios;

/// <summary>
/// Thread 002: a file-backed pte carrying uffd-wp that is zapped (MADV_DONTNEED) must leave a uffd-wp marker,
/// or the protection silently disappears: the next write maps the page writable without telling userspace.
/// </summary>
public class UffdWpZapTests
{
    private const ulong Base = 0x7f00_0000_0000UL;
    private const ulong Addr = Base + 5 * Geometry.PageSize;

    private static VmFaultResult Fault(Vma vma, ulong addr, bool write)
    {
        vma.Mm.MmapLock.DownRead();
        try { return Memory.HandleMmFault(vma, addr, write ? FaultFlags.Write | FaultFlags.User : FaultFlags.User); }
        finally { vma.Mm.MmapLock.UpRead(); }
    }

    private static PteVal Entry(Mm mm, ulong addr)
    {
        var pmd = Rmap.MmFindPmd(mm, addr);
        var pte = pmd is null ? null : PteOffsetMap(pmd, addr);
        if (pte is null)
            return PteVal.Empty;
        var v = PtepGet(pte);
        PteUnmap(pte);
        return v;
    }

    /// <summary>zap_pte_range as it was before the fix: the entry is cleared and nothing is left in its place.</summary>
    private static void ZapWithoutMarker(Vma vma, ulong addr)
    {
        var mm = vma.Mm;
        var tlb = MmuGather.TlbGatherMmu(mm);
        var pmd = Rmap.MmFindPmd(mm, addr)!;
        var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl)!;
        var old = PtepGetAndClear(mm, addr, pte);
        var folio = mm.Machine.Memory.FrameOf(PtePfn(old)).Folio!;
        Rmap.FolioRemoveRmapPte(folio, vma);
        MmuGather.TlbRemoveFolio(tlb, folio);
        PteUnmapUnlock(pte, ptl);
        MmuGather.TlbFinishMmu(tlb);
    }

    private static (Machine, Mm, Vma) WriteProtectedFilePage()
    {
        var machine = TestMachines.Small();
        var mm = new Mm(machine);
        var file = new AddressSpace(machine, "shmem");
        var vma = mm.Mmap(Base, Geometry.PmdSize, VmFlags.Read | VmFlags.Write | VmFlags.Shared | VmFlags.UffdWp, file);
        Assert.Equal(VmFaultResult.None, Fault(vma, Addr, write: true));
        Assert.True(PteWrite(Entry(mm, Addr)));
        Assert.Equal(1, Userfaultfd.UffdioWriteprotect(mm, Addr, Geometry.PageSize, enableWp: true));
        var protectedEntry = Entry(mm, Addr);
        Assert.True(PteUffdWp(protectedEntry) && !PteWrite(protectedEntry));
        Assert.Equal(VmFaultResult.Retry, Fault(vma, Addr, write: true)); // userspace hears of the write
        Assert.Single(Userfaultfd.Events(mm));
        return (machine, mm, vma);
    }

    [Fact]
    public void ZapLeavesAMarkerAndTheNextWriteStillReachesUserspace()
    {
        var (machine, mm, vma) = WriteProtectedFilePage();
        mm.MmapLock.DownRead();
        Memory.ZapPageRangeSingle(vma, Addr, Geometry.PageSize, details: null);
        mm.MmapLock.UpRead();
        Assert.True(PteMarkerUffdWp(Entry(mm, Addr)));
        Assert.Equal(1, mm.NrPtes); // a marker keeps the table from being reclaimed

        Assert.Equal(VmFaultResult.Retry, Fault(vma, Addr, write: true));
        Assert.Equal(2, Userfaultfd.Events(mm).Count);

        // A read faults the page back in, still protected.
        Assert.Equal(VmFaultResult.None, Fault(vma, Addr, write: false));
        var back = Entry(mm, Addr);
        Assert.True(PtePresent(back) && PteUffdWp(back) && !PteWrite(back));
        Rcu.Barrier();
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
    }

    [Fact]
    public void PreFixZapLosesTheProtectionSilently()
    {
        var (machine, mm, vma) = WriteProtectedFilePage();
        ZapWithoutMarker(vma, Addr);
        Assert.True(PteNone(Entry(mm, Addr)));

        Assert.Equal(VmFaultResult.None, Fault(vma, Addr, write: true)); // no event: the write just happens
        Assert.Single(Userfaultfd.Events(mm));
        Assert.True(PteWrite(Entry(mm, Addr)), "the page is writable again although userspace write-protected it");
        Rcu.Barrier();
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
    }

    [Fact]
    public void TearingDownTheMappingDropsMarkers()
    {
        var (_, mm, vma) = WriteProtectedFilePage();
        mm.MmapLock.DownRead();
        Memory.ZapPageRangeSingle(vma, Addr, Geometry.PageSize, details: null);
        Assert.True(PteMarkerUffdWp(Entry(mm, Addr)));
        Memory.ZapPageRangeSingle(vma, Addr, Geometry.PageSize, new ZapDetails(ZapFlags.DropMarker));
        mm.MmapLock.UpRead();
        Assert.True(PteNone(Entry(mm, Addr)));
    }

    [Fact]
    public void AnonymousZapNeverLeavesMarkers()
    {
        var machine = TestMachines.Small();
        var mm = new Mm(machine);
        var vma = mm.Mmap(Base, Geometry.PmdSize, VmFlags.Read | VmFlags.Write | VmFlags.UffdWp);
        Assert.Equal(VmFaultResult.None, Fault(vma, Addr, write: true));
        Userfaultfd.UffdioWriteprotect(mm, Addr, Geometry.PageSize, enableWp: true);
        mm.MmapLock.DownRead();
        int reclaimed = Memory.ZapPageRangeSingle(vma, Addr, Geometry.PageSize, details: null);
        mm.MmapLock.UpRead();
        Assert.True(PteNone(Entry(mm, Addr)));
        Assert.Equal(1, reclaimed); // the emptied table went too (thread 004)
        Rcu.Barrier();
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
    }
}
