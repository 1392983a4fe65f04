using PtLock.Contracts;

namespace PtLock;

/// <summary>
/// One physical page frame: struct page / struct ptdesc. Frames are allocated, freed and reused; every
/// allocation and every free bumps <see cref="Generation"/>, and handles remember the generation they were
/// made for, so a stale handle is detectable (checked mode) or touches the reused frame (raw mode).
/// </summary>
[Kernel("struct page / struct ptdesc")]
public sealed class PageFrame
{
    internal PageFrame(PhysMem owner, ulong pfn)
    {
        Owner = owner;
        Pfn = pfn;
        Kind = pfn == 0 ? FrameKind.Reserved : FrameKind.Free;
    }

    internal PhysMem Owner { get; }
    public ulong Pfn { get; }

    private volatile FrameKind _kind;
    public FrameKind Kind { get => _kind; internal set => _kind = value; }

    private int _generation;
    public int Generation => Volatile.Read(ref _generation);
    internal int BumpGeneration() => Interlocked.Increment(ref _generation);

    /// <summary>The 512 entries of a page-table page; kept across reuse to spare the allocator.</summary>
    internal ulong[]? Entries;

    /// <summary>The split ptlock word embedded in the table page (ptdesc->ptl): 0 or the owner's thread id.</summary>
    internal PaddedInt32 LockPad;

    internal ref int LockWord => ref LockPad.Value;

    /// <summary>ptlock_ptr(ptdesc): the handle for this generation's embedded lock.</summary>
    internal Ptl? Ptl;

    /// <summary>The mm whose tables this page belongs to (for table pages).</summary>
    internal Mm? TableMm;

    /// <summary>Cached entry pointers (pte_t*/pmd_t*/…) into this table, per slot, for this generation.</summary>
    internal EntryPointer?[]? Slots;

    /// <summary>The PTE/PMD table object (pgtable_t) for this generation.</summary>
    internal PageTableHandle? Table;

    /// <summary>The upper-level slot this table is installed in, or null when detached.</summary>
    internal EntryPointer? InstalledIn;

    /// <summary>Set once the table was ever installed: lockless walkers may have seen it.</summary>
    internal bool EverPublished;

    /// <summary>pt_share_count: how many PUDs besides the first point at this PMD table (hugetlb PMD sharing).</summary>
    internal int ShareCount;

    /// <summary>Set once another mm shared this PMD table (this generation): its owner is no longer the only user.</summary>
    internal bool EverShared;

    /// <summary>Set while an RCU-deferred free of this table is pending.</summary>
    internal bool FreePending;

    /// <summary>Data frames: the folio this page belongs to.</summary>
    internal Folio? Folio;

    /// <summary>Data frames: a word of page content, so tests can observe writes.</summary>
    internal ulong Content;

    /// <summary>page_table_check counters (mm/page_table_check.c).</summary>
    internal int AnonMapCount;
    internal int FileMapCount;

    /// <summary>For diagnostics: what the frame was and who freed it last.</summary>
    internal FrameKind LastKind;
    internal string? FreedBy;
    internal bool LastWasSharedHugetlbPmd;

    public override string ToString() => $"pfn {Pfn:x} ({Kind}, gen {Generation})";

    internal string Describe() =>
        Kind == FrameKind.Free
            ? $"pfn {Pfn:x} (free; was a {LastKind} freed by {FreedBy ?? "?"})"
            : $"pfn {Pfn:x} (now {Kind}; was a {LastKind} freed by {FreedBy ?? "?"})";
}
