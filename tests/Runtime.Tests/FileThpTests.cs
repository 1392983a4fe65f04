namespace PtLock.Runtime.Tests;

/// <summary>PMD-sized file folios: do_set_pmd on fault, zap_huge_pmd, and MADV_COLLAPSE of a PTE-mapped one.</summary>
public class FileThpTests
{
    private const ulong Base = TestMachines.Base;

    private static VmFaultResult Fault(Vma vma, ulong addr, bool write) => HugetlbTests.Fault(vma, addr, write);

    private static (Machine, Mm, Vma, Folio) SharedFileWithThp(VmFlags extra = VmFlags.None)
    {
        var machine = TestMachines.Small();
        var file = new AddressSpace(machine, "big.dat");
        var folio = file.AddLargeFolio(0, 9)!;
        var mm = new Mm(machine);
        var vma = mm.Mmap(Base, 2 * Geometry.PmdSize, VmFlags.Read | VmFlags.Write | VmFlags.Shared | extra, file);
        return (machine, mm, vma, folio);
    }

    /// <summary>None, or NoPage when fault-around already mapped the faulting page: no error bit either way.</summary>
    private static void AssertMapped(VmFaultResult result) => Assert.True((result & ~VmFaultResult.NoPage) == 0, result.ToString());

    private static PmdVal PmdOf(Mm mm, ulong addr) => Rmap.MmFindPmd(mm, addr) is { } pmd ? PmdpGet(pmd) : PmdVal.Empty;

    [Fact]
    public void AFaultMapsAPmdSizedFolioWithOnePmdAndAZapUnmapsItWhole()
    {
        var (machine, mm, vma, folio) = SharedFileWithThp();
        AssertMapped(Fault(vma, Base + 5 * Geometry.PageSize, write: false));

        var pmd = PmdOf(mm, Base);
        Assert.True(PmdTransHuge(pmd));
        Assert.Equal(folio.Pfn, pmd.Pfn);
        Assert.Equal(1, folio.MapCount);
        Assert.Equal(512, mm.FileRss);
        Assert.Equal(0, mm.NrPtes);
        Assert.Null(PteOffsetMap(Rmap.MmFindPmd(mm, Base)!, Base)); // walkers see a leaf, not a table
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
        Assert.Equal(VmFaultResult.None, Fault(vma, Base + 100 * Geometry.PageSize, write: true)); // already mapped, writable

        mm.MmapLock.DownRead();
        try
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => Memory.ZapPageRangeSingle(vma, Base, Geometry.PageSize, null));
            Memory.ZapPageRangeSingle(vma, Base, Geometry.PmdSize, null);
        }
        finally
        {
            mm.MmapLock.UpRead();
        }
        Assert.True(PmdNone(PmdOf(mm, Base)));
        Assert.Equal(0, folio.MapCount);
        Assert.Equal(1, folio.RefCount); // the page cache's
        Assert.Equal(0, mm.FileRss);
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
    }

    [Fact]
    public void UffdWpAndPrivateWritableMappingsMapTheFolioByPtes()
    {
        var (machine, mm, vma, folio) = SharedFileWithThp(VmFlags.UffdWp);
        AssertMapped(Fault(vma, Base + 3 * Geometry.PageSize, write: false));
        Assert.True(PmdOf(mm, Base).IsTable);
        var pte = PteOffsetMap(Rmap.MmFindPmd(mm, Base)!, Base + 3 * Geometry.PageSize)!;
        Assert.Equal(folio.PfnOf(3), PtepGet(pte).Pfn); // the folio's fourth page
        PteUnmap(pte);
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
    }

    [Fact]
    public void MadviseCollapseTurnsAPteMappedFolioIntoAPmdMappingAndFreesTheTable()
    {
        var (machine, mm, vma, folio) = SharedFileWithThp();
        var pmdSlot = TestMachines.PmdWithTable(mm, Base); // a table already there: faults map by PTEs
        var table = PmdPgtable(mm, PmdpGet(pmdSlot));
        AssertMapped(Fault(vma, Base + 7 * Geometry.PageSize, write: false));
        AssertMapped(Fault(vma, Base + 300 * Geometry.PageSize, write: false));
        int mappedByPtes = folio.MapCount;
        Assert.True(mappedByPtes >= 2);
        Assert.Equal(mappedByPtes, (int)mm.FileRss);
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));

        var results = Khugepaged.MadviseCollapse(mm, Base, 2 * Geometry.PmdSize);

        Assert.Equal(ScanResult.Succeed, results[0].Result);
        Assert.Equal(ScanResult.PageCompound, results[1].Result); // nothing PMD-sized cached there
        Assert.True(PmdTransHuge(PmdOf(mm, Base)));
        Assert.Equal(1, folio.MapCount);
        Assert.Equal(2, folio.RefCount); // the page cache and the PMD
        Assert.Equal(512, mm.FileRss);
        Assert.Equal(0, mm.NrPtes);
        Rcu.Barrier();
        Assert.False(table.IsLive); // freed through RCU
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
        // Collapsing again finds it done.
        Assert.Equal(ScanResult.PmdMapped, Khugepaged.MadviseCollapse(mm, Base, Geometry.PmdSize)[0].Result);
    }

    [Fact]
    public void CollapseBacksOffWhenAnEntryMapsAnotherPage()
    {
        var (machine, mm, vma, folio) = SharedFileWithThp();
        var pmd = TestMachines.PmdWithTable(mm, Base);
        AssertMapped(Fault(vma, Base, write: false));
        var stranger = Folio.Alloc(machine)!;
        stranger.IsAnon = false;
        Rmap.FolioAddFileRmapPte(stranger, vma);
        TestMachines.SetEntry(mm, pmd, Base + 20 * Geometry.PageSize, PteVal.FromPfn(stranger.Pfn, vma.PageProt));
        int before = folio.MapCount;

        mm.MmapLock.DownRead();
        try { Assert.Equal(ScanResult.Fail, Khugepaged.CollapsePteMappedThp(mm, Base, installPmd: true)); }
        finally { mm.MmapLock.UpRead(); }

        Assert.True(PmdOf(mm, Base).IsTable);
        Assert.Equal(before, folio.MapCount);
    }

    [Fact]
    public void ExitUnmapsPmdMappedFoliosToo()
    {
        var (machine, mm, vma, folio) = SharedFileWithThp();
        int freeBefore = machine.Memory.FreeFrames;
        AssertMapped(Fault(vma, Base, write: false));
        mm.Exit();
        Rcu.Barrier();
        Assert.Equal(0, folio.MapCount);
        Assert.Equal(1, folio.RefCount);
        Assert.True(machine.Memory.FreeFrames > freeBefore); // the PGD and upper tables went too
    }

    [Fact]
    public void LargeFoliosNeedAlignedFreeRunsAndAlignedIndices()
    {
        var machine = TestMachines.Small(frames: 1024);
        var file = new AddressSpace(machine, "f");
        Assert.Throws<ArgumentException>(() => file.AddLargeFolio(3, 9));
        var a = file.AddLargeFolio(0, 9);
        Assert.NotNull(a);
        Assert.Null(file.AddLargeFolio(0, 9)); // already cached
        Assert.Equal(0UL, a!.Pfn % 512);
        Assert.Throws<ArgumentOutOfRangeException>(() => a.PfnOf(512));
        Assert.Null(file.AddLargeFolio(512, 9)); // pfn 0 is reserved, 512..1023 taken: no aligned run left
        Assert.Equal(512, file.CachedPages);
    }
}
