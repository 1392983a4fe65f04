using PtLock.Contracts;

namespace PtLock;

/// <summary>
/// struct mm_struct: an address space with its page-table root, mm->page_table_lock, the mmap lock and
/// its VMAs. Created on a <see cref="Machine"/>, whose frames hold its tables.
/// </summary>
[Kernel("struct mm_struct")]
public sealed class Mm
{
    private readonly List<Vma> _vmas = new();
    private long _nrPtes;
    private long _nrPmds;
    private long _nrPuds;
    private long _anonRss;
    private long _fileRss;
    private long _hugetlbUsage;
    private volatile bool _dead;

    /// <summary>userfaultfd events delivered for this mm (the uffd context's queue).</summary>
    internal readonly List<UffdEvent> UffdEvents = new();

    /// <summary>mm_alloc + pgd_alloc.</summary>
    public Mm(Machine machine)
    {
        Machine = machine ?? throw new ArgumentNullException(nameof(machine));
        Id = machine.NextMmId();
        Levels = machine.Options.PagingLevels;
        TaskSize = Geometry.TaskSize(Levels);
        PageTableLock = new Ptl(this);
        MmapLock = new RwSemaphore(machine, LockClass.MmapLock, $"mm{Id}->mmap_lock");
        var pgd = machine.Memory.Alloc(FrameKind.PgdTable)
                  ?? throw new OutOfMemoryException($"no page frame left for the PGD of a new mm on a {machine.Options.FrameCount}-frame machine");
        PageTableCtor.Construct(pgd, this, FrameKind.PgdTable);
        PgdFrame = pgd;
        PgdGeneration = pgd.Generation;
    }

    public Machine Machine { get; }
    public int Id { get; }
    internal PageFrame PgdFrame { get; }
    internal int PgdGeneration { get; }

    /// <summary>mm->page_table_lock: the PUD-level lock, and the PMD/PTE lock when those are not split.</summary>
    public Ptl PageTableLock { get; }

    /// <summary>mm->mmap_lock.</summary>
    public RwSemaphore MmapLock { get; }

    public int Levels { get; }

    /// <summary>TASK_SIZE: the end of user space.</summary>
    public ulong TaskSize { get; }

    public bool IsDead => _dead;

    internal void CheckAlive(string operation)
    {
        if (_dead)
            throw new MmTornDownException(Id, operation);
    }

    internal void MarkDead() => _dead = true;

    /// <summary>mm_pgtables_bytes / PAGE_SIZE for PTE tables (mm_inc_nr_ptes).</summary>
    public long NrPtes => Interlocked.Read(ref _nrPtes);
    public long NrPmds => Interlocked.Read(ref _nrPmds);
    public long NrPuds => Interlocked.Read(ref _nrPuds);
    internal void AddNrPtes(int delta) => Interlocked.Add(ref _nrPtes, delta);
    internal void AddNrPmds(int delta) => Interlocked.Add(ref _nrPmds, delta);
    internal void AddNrPuds(int delta) => Interlocked.Add(ref _nrPuds, delta);

    /// <summary>MM_ANONPAGES and MM_FILEPAGES.</summary>
    public long AnonRss => Interlocked.Read(ref _anonRss);
    public long FileRss => Interlocked.Read(ref _fileRss);
    /// <summary>mm->hugetlb_usage, in base pages (hugetlb_count_add/sub).</summary>
    public long HugetlbUsage => Interlocked.Read(ref _hugetlbUsage);
    internal void AddHugetlbUsage(long pages) => Interlocked.Add(ref _hugetlbUsage, pages);

    /// <summary>add_mm_counter(mm, MM_ANONPAGES, delta), for code outside the runtime that unmaps pages.</summary>
    [Kernel("add_mm_counter")]
    public void AddAnonRss(int delta) => AddRss(anon: true, delta);

    internal void AddRssForTest(int delta) => AddRss(anon: true, delta);

    internal void AddRss(bool anon, int delta)
    {
        if (anon) Interlocked.Add(ref _anonRss, delta);
        else Interlocked.Add(ref _fileRss, delta);
    }

    /// <summary>The VMAs, by address. Read with the mmap lock held.</summary>
    [GuardedBy(nameof(MmapLock))]
    public IReadOnlyList<Vma> Vmas => _vmas;

    /// <summary>find_vma: the first VMA ending above <paramref name="addr"/>, or null.</summary>
    [Kernel("find_vma")]
    [RequiresShared(nameof(MmapLock))]
    public Vma? FindVma(ulong addr)
    {
        CheckAlive("find_vma");
        foreach (var vma in _vmas)
            if (addr < vma.End)
                return vma;
        return null;
    }

    /// <summary>vma_lookup: the VMA containing <paramref name="addr"/>, or null.</summary>
    [Kernel("vma_lookup")]
    [RequiresShared(nameof(MmapLock))]
    public Vma? VmaLookup(ulong addr)
    {
        var vma = FindVma(addr);
        return vma is not null && vma.Contains(addr) ? vma : null;
    }

    /// <summary>
    /// do_mmap at a fixed address: create a VMA over [start, start+length). Takes the mmap lock for write.
    /// Unaligned, out-of-range or overlapping requests are rejected with an exception naming the argument.
    /// </summary>
    [Kernel("do_mmap")]
    [Excludes(nameof(MmapLock))]
    public Vma Mmap(ulong start, ulong length, VmFlags flags, AddressSpace? file = null, ulong pgoff = 0)
    {
        CheckAlive("mmap");
        if (!Geometry.IsPageAligned(start))
            throw new ArgumentException($"start {start:x} is not page aligned", nameof(start));
        if (length == 0 || !Geometry.IsPageAligned(length))
            throw new ArgumentException($"length {length:x} must be a non-zero multiple of the page size", nameof(length));
        if (start == 0 || start + length < start || start + length > TaskSize)
            throw new ArgumentOutOfRangeException(nameof(start), $"[{start:x}, {start + length:x}) is outside user space [1000, {TaskSize:x})");
        if ((flags & VmFlags.Hugetlb) != 0 && ((start | length) & ~Geometry.PmdMask) != 0)
            throw new ArgumentException("a hugetlb mapping must be 2 MiB aligned and sized", nameof(start));
        if ((flags & VmFlags.Hugetlb) != 0 && (pgoff & (Geometry.PtrsPerPte - 1)) != 0)
            throw new ArgumentException($"a hugetlb mapping's file offset must be a whole number of huge pages (pgoff {pgoff})", nameof(pgoff));
        if (file is not null && file.Machine != Machine)
            throw new ArgumentException("the file belongs to another machine", nameof(file));
        if ((flags & VmFlags.Shared) != 0)
            flags |= VmFlags.MayShare;
        // MAP_HUGETLB without a file: hugetlb_file_setup gives the mapping an unlinked hugetlbfs file.
        if ((flags & VmFlags.Hugetlb) != 0 && file is null)
            file = new AddressSpace(Machine, "anon_hugepage");
        ulong end = start + length;
        MmapLock.DownWrite();
        try
        {
            CheckAlive("mmap"); // again: exit may have torn the mm down while we waited for the lock
            foreach (var existing in _vmas)
                if (start < existing.End && existing.Start < end)
                    throw new ArgumentException($"[{start:x}, {end:x}) overlaps {existing}", nameof(start));
            var vma = new Vma(this, start, end, flags, file, pgoff);
            int at = _vmas.FindIndex(v => v.Start > start);
            _vmas.Insert(at < 0 ? _vmas.Count : at, vma);
            if (file is not null)
            {
                file.IMmapRwsem.DownWrite();
                try { file.AddMapping(vma); }
                finally { file.IMmapRwsem.UpWrite(); }
            }
            return vma;
        }
        finally
        {
            MmapLock.UpWrite();
        }
    }

    /// <summary>
    /// munmap (do_vmi_munmap): split the VMAs that stick out of [start, start+length), unmap the ones inside and
    /// free the page tables nothing else uses. Takes the mmap lock for write. A hugetlb VMA is cut only at huge-page
    /// boundaries (else -EINVAL, an ArgumentException here).
    /// </summary>
    [Kernel("do_vmi_munmap")]
    [Excludes(nameof(MmapLock))]
    public int Munmap(ulong start, ulong length)
    {
        CheckAlive("munmap");
        if (!Geometry.IsPageAligned(start) || length == 0 || !Geometry.IsPageAligned(length) || start + length < start || start + length > TaskSize)
            throw new ArgumentException($"munmap [{start:x}, +{length:x}) is not a page-aligned range of user space", nameof(start));
        ulong end = start + length;
        MmapLock.DownWrite();
        try
        {
            CheckAlive("munmap");
            foreach (var vma in _vmas)
                if (vma.IsHugetlb && vma.Start < end && start < vma.End && ((start | end) & ~Geometry.PmdMask) != 0)
                    throw new ArgumentException($"munmap [{start:x}, {end:x}) cuts hugetlb {vma} inside a huge page (-EINVAL)", nameof(start));
            // vms_gather_munmap_vmas: split the VMAs that stick out, so that whole VMAs are unmapped.
            foreach (var vma in _vmas.ToArray())
            {
                if (vma.Start < start && start < vma.End)
                    SplitVma(vma, start);
            }
            foreach (var vma in _vmas.ToArray())
            {
                if (vma.Start < end && end < vma.End)
                    SplitVma(vma, end);
            }
            var victims = _vmas.Where(v => v.Start >= start && v.End <= end).ToList();
            foreach (var vma in victims)
            {
                int at = _vmas.IndexOf(vma);
                ulong floor = at > 0 ? _vmas[at - 1].End : 0;
                ulong ceiling = at + 1 < _vmas.Count ? _vmas[at + 1].Start : 0;
                Memory.UnmapRegion(this, vma, floor, ceiling);
                _vmas.RemoveAt(at);
            }
            return victims.Count;
        }
        finally
        {
            MmapLock.UpWrite();
        }
    }

    /// <summary>
    /// __split_vma: <paramref name="vma"/> keeps [Start, at); a new VMA takes [at, End) with the file offset that
    /// follows, the same anon_vma, and a place in its file's i_mmap. A hugetlb VMA first unshares the PMD tables
    /// around <paramref name="at"/> (hugetlb_split): a shared table must lie wholly inside one VMA. Caller holds the
    /// mmap lock for write.
    /// </summary>
    [Kernel("__split_vma")]
    [Requires(nameof(MmapLock))]
    internal Vma SplitVma(Vma vma, ulong at)
    {
        if (vma.IsHugetlb)
            Hugetlb.HugetlbUnsharePmds(vma, at & Geometry.PudMask, (at & Geometry.PudMask) + Geometry.PudSize);
        var right = new Vma(this, at, vma.End, vma.Flags, vma.File, vma.PgOff + ((at - vma.Start) >> Geometry.PageShift)) { AnonVma = vma.AnonVma };
        vma.End = at;
        _vmas.Insert(_vmas.IndexOf(vma) + 1, right);
        if (vma.File is { } file)
        {
            file.IMmapRwsem.DownWrite();
            try { file.AddMapping(right); }
            finally { file.IMmapRwsem.UpWrite(); }
        }
        return right;
    }

    /// <summary>mmput of the last user: tear the address space down (exit_mmap) and free its page tables.</summary>
    [Kernel("mmput")]
    [Excludes(nameof(MmapLock))]
    public void Exit() => Memory.ExitMmap(this);

    /// <summary>fork: <see cref="Memory.DupMmap"/>.</summary>
    [Kernel("fork (dup_mmap)")]
    [Excludes(nameof(MmapLock))]
    public Mm Fork() => Memory.DupMmap(this);

    /// <summary>vm_area_dup + anon_vma_fork + the i_mmap link: the child's copy of a parent VMA.</summary>
    internal Vma AddVmaCopy(Vma parent, VmFlags flags)
    {
        var copy = new Vma(this, parent.Start, parent.End, flags, parent.File, parent.PgOff) { AnonVma = parent.AnonVma };
        _vmas.Add(copy);
        if (parent.File is { } file)
        {
            file.IMmapRwsem.DownWrite();
            try { file.AddMapping(copy); }
            finally { file.IMmapRwsem.UpWrite(); }
        }
        return copy;
    }

    internal List<Vma> DetachAllVmas()
    {
        var all = _vmas.ToList();
        _vmas.Clear();
        return all;
    }

    public override string ToString() => $"mm{Id}";
}
