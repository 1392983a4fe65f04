using PtLock.Contracts;

namespace PtLock;

/// <summary>struct vm_area_struct: [Start, End) of one mm with one set of flags, anonymous or file-backed.</summary>
[Kernel("struct vm_area_struct")]
public sealed class Vma
{
    internal Vma(Mm mm, ulong start, ulong end, VmFlags flags, AddressSpace? file, ulong pgoff)
    {
        Mm = mm;
        Start = start;
        _end = end;
        Flags = flags;
        File = file;
        PgOff = pgoff;
        if ((flags & VmFlags.Hugetlb) != 0 && (flags & VmFlags.MayShare) != 0)
            HugetlbVmaLock = new RwSemaphore(mm.Machine, LockClass.HugetlbVmaLock, $"hugetlb_vma_lock(mm{mm.Id} {start:x})");
    }

    public Mm Mm { get; }
    public ulong Start { get; }
    private ulong _end;

    /// <summary>vm_end. A split shrinks it, under the mmap lock held for write.</summary>
    public ulong End
    {
        get => Volatile.Read(ref _end);
        internal set => Volatile.Write(ref _end, value);
    }

    private long _flags;

    /// <summary>vm_flags. Changing them needs the mmap lock for write (vm_flags_set).</summary>
    public VmFlags Flags
    {
        get => (VmFlags)Volatile.Read(ref _flags);
        internal set => Volatile.Write(ref _flags, (long)value);
    }

    /// <summary>vm_file->f_mapping, or null for an anonymous VMA.</summary>
    public AddressSpace? File { get; }

    /// <summary>vm_pgoff: the file page offset of <see cref="Start"/>.</summary>
    public ulong PgOff { get; }

    /// <summary>vma->anon_vma: set on the first anonymous fault (anon_vma_prepare).</summary>
    public object? AnonVma { get; internal set; }

    /// <summary>The hugetlb vma lock (struct hugetlb_vma_lock) of a shareable hugetlb VMA.</summary>
    public RwSemaphore? HugetlbVmaLock { get; }

    private volatile bool _hugetlbVmaLockFreed;

    /// <summary>
    /// __hugetlb_vma_unlock_write_free cleared vm_private_data: the final unmap has begun, so no other mm may
    /// share this VMA's PMD tables any more (page_table_shareable refuses a VMA without its lock).
    /// </summary>
    internal bool HugetlbVmaLockFreed
    {
        get => _hugetlbVmaLockFreed;
        set => _hugetlbVmaLockFreed = value;
    }

    public bool IsAnonymous => File is null;
    public bool IsHugetlb => (Flags & VmFlags.Hugetlb) != 0;
    public bool IsShared => (Flags & VmFlags.Shared) != 0;

    /// <summary>userfaultfd_wp(vma).</summary>
    public bool UserfaultfdWp => (Flags & VmFlags.UffdWp) != 0;

    /// <summary>vm_page_prot, derived from the flags (private writable mappings start read-only for COW).</summary>
    public PgProt PageProt =>
        (Flags & VmFlags.Write) != 0 && (Flags & VmFlags.Shared) != 0 ? PgProt.ReadWrite
        : (Flags & VmFlags.Read) != 0 || (Flags & VmFlags.Write) != 0 ? PgProt.ReadOnly
        : PgProt.None;

    public bool Contains(ulong addr) => addr >= Start && addr < End;

    /// <summary>linear_page_index: the file page backing <paramref name="addr"/>.</summary>
    public ulong LinearPageIndex(ulong addr) => ((addr - Start) >> Geometry.PageShift) + PgOff;

    public override string ToString() => $"vma[{Start:x}-{End:x} {Flags}{(File is null ? " anon" : " file")}] of mm{Mm.Id}";
}
