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
        Assert.Equal(ScanResult.Succeed, results[1].Result); // a hole: collapse_file makes a zero-filled folio
        Assert.True(PmdTransHuge(PmdOf(mm, Base)));
        Assert.Equal(1, folio.MapCount);
        Assert.Equal(2, folio.RefCount); // the page cache and the PMD
        Assert.Equal(1024, mm.FileRss);
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

    [Fact]
    public void MadviseCollapseBuildsALargeFolioFromSmallPagesAndEveryMmFollows()
    {
        var machine = TestMachines.Small();
        var file = new AddressSpace(machine, "shmem");
        var small = new List<Folio>();
        for (ulong i = 0; i < 10; i++)
        {
            var f = file.GetOrCreateFolio(i)!;
            f.Content = 100 + i;
            small.Add(f);
        }
        var a = new Mm(machine);
        var b = new Mm(machine);
        const VmFlags flags = VmFlags.Read | VmFlags.Write | VmFlags.Shared;
        var vmaA = a.Mmap(Base, Geometry.PmdSize, flags, file);
        var vmaB = b.Mmap(Base, Geometry.PmdSize, flags, file);
        AssertMapped(Fault(vmaA, Base + 2 * Geometry.PageSize, write: false));
        AssertMapped(Fault(vmaB, Base + 5 * Geometry.PageSize, write: true));
        Assert.True(small[2].MapCount >= 1 && small[5].MapCount >= 1);
        int freeBefore = machine.Memory.FreeFrames;

        var results = Khugepaged.MadviseCollapse(a, Base, Geometry.PmdSize);

        Assert.Equal(ScanResult.Succeed, results.Single().Result);
        var large = file.FindFolio(0)!;
        Assert.True(large.IsPmdMappable);
        Assert.Equal(107UL, machine.Memory.FrameOf(large.PfnOf(7)).Content); // contents copied
        Assert.True(PmdTransHuge(PmdOf(a, Base)));
        Assert.True(PmdNone(PmdOf(b, Base))); // B's entries were unmapped and its table retracted
        Assert.All(small, f => Assert.False(f.IsLive)); // the small folios are gone
        Assert.Equal(0, b.FileRss);
        // B faults the large folio back in, with a PMD of its own.
        AssertMapped(Fault(vmaB, Base + 5 * Geometry.PageSize, write: false));
        Assert.True(PmdTransHuge(PmdOf(b, Base)));
        Rcu.Barrier();
        Assert.True(machine.Memory.FreeFrames < freeBefore); // 512 frames for 10 small ones and two tables
        Assert.Empty(PageTableCheck.Audit(machine, new[] { a, b }));
    }

    [Fact]
    public void CollapseKeepsAUffdWpProtectionAsAMarkerInTheOtherMm()
    {
        var machine = TestMachines.Small();
        var file = new AddressSpace(machine, "shmem");
        var a = new Mm(machine);
        var b = new Mm(machine);
        var vmaA = a.Mmap(Base, Geometry.PmdSize, VmFlags.Read | VmFlags.Write | VmFlags.Shared, file);
        var vmaB = b.Mmap(Base, Geometry.PmdSize, VmFlags.Read | VmFlags.Write | VmFlags.Shared | VmFlags.UffdWp, file);
        AssertMapped(Fault(vmaB, Base, write: true));
        Userfaultfd.UffdioWriteprotect(b, Base, Geometry.PageSize, enableWp: true);
        AssertMapped(Fault(vmaA, Base + 10 * Geometry.PageSize, write: false)); // A has page tables there too

        Assert.Equal(ScanResult.Succeed, Khugepaged.MadviseCollapse(a, Base, Geometry.PmdSize).Single().Result);

        var pte = PteOffsetMap(Rmap.MmFindPmd(b, Base)!, Base)!;
        Assert.True(PteMarkerUffdWp(PtepGet(pte))); // try_to_unmap left the marker; retract skipped the uffd-wp VMA
        PteUnmap(pte);
        Assert.Equal(VmFaultResult.Retry, Fault(vmaB, Base, write: true)); // the write still reaches userspace
        Assert.Equal(ScanResult.PteUffdWp, Khugepaged.MadviseCollapse(b, Base, Geometry.PmdSize).Single().Result);
        Rcu.Barrier();
        Assert.Empty(PageTableCheck.Audit(machine, new[] { a, b }));
    }

    [Fact] // copy_user_highpage copies the faulting page of a large folio, not its first page
    public void APrivateWriteToALargeFolioCopiesThePageItHit()
    {
        var machine = TestMachines.Small();
        var file = new AddressSpace(machine, "big.dat");
        var folio = file.AddLargeFolio(0, 9)!;
        for (ulong i = 0; i < 512; i++)
            machine.Memory.FrameOf(folio.PfnOf(i)).Content = 1000 + i;
        var mm = new Mm(machine);
        var vma = mm.Mmap(Base, Geometry.PmdSize, VmFlags.Read | VmFlags.Write, file);

        Assert.Equal(VmFaultResult.None, Fault(vma, Base + 7 * Geometry.PageSize, write: true));

        var pte = PteOffsetMap(Rmap.MmFindPmd(mm, Base)!, Base + 7 * Geometry.PageSize)!;
        var entry = PtepGet(pte);
        PteUnmap(pte);
        Assert.Equal(1007UL, machine.Memory.FrameOf(entry.Pfn).Folio!.Content);
        // A private writable mapping is never collapsed to a PMD: its first write would need a split.
        mm.MmapLock.DownRead();
        try { Assert.Equal(ScanResult.VmaCheck, Khugepaged.CollapsePteMappedThp(mm, Base, installPmd: true)); }
        finally { mm.MmapLock.UpRead(); }
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
    }

    [Fact]
    public void OutOfRangeOrdersAndMisalignedHugetlbOffsetsAreRefused()
    {
        var machine = TestMachines.Small();
        var file = new AddressSpace(machine, "f");
        Assert.Throws<ArgumentOutOfRangeException>(() => file.AddLargeFolio(0, 40));
        Assert.Throws<ArgumentOutOfRangeException>(() => file.AddLargeFolio(0, 0));
        var mm = new Mm(machine);
        Assert.Throws<ArgumentException>(() => mm.Mmap(HugetlbTests.BaseA, Geometry.PmdSize, VmFlags.Read | VmFlags.Hugetlb, file, pgoff: 3));
    }
}
