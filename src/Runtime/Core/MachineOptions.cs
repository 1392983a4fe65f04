namespace PtLock;

/// <summary>How a stale handle (a pointer into a freed and reused frame) behaves.</summary>
public enum StaleHandleMode
{
    /// <summary>The first use of a stale handle throws <see cref="PtLockViolationException"/> (like KASAN).</summary>
    Checked,
    /// <summary>A stale handle touches whatever the frame is now, as C would (see <see cref="KernelOopsException"/>).</summary>
    Raw,
}

/// <summary>Configuration of a simulated machine (the kernel config options that matter to page tables).</summary>
public sealed record MachineOptions
{
    /// <summary>Page frames in the pool (4 KiB each).</summary>
    public int FrameCount { get; init; } = 1 << 16;

    /// <summary>4-level (p4d folded) or 5-level paging.</summary>
    public int PagingLevels { get; init; } = 4;

    /// <summary>CONFIG_SPLIT_PTE_PTLOCKS: each PTE table embeds its lock; off means mm->page_table_lock.</summary>
    public bool SplitPteLocks { get; init; } = true;

    /// <summary>CONFIG_SPLIT_PMD_PTLOCKS (x86 with THP): each PMD table embeds its lock.</summary>
    public bool SplitPmdLocks { get; init; } = true;

    /// <summary>Lockdep, page_table_check and the RCU-use checks. On by default.</summary>
    public bool Validate { get; init; } = true;

    public StaleHandleMode StaleHandles { get; init; } = StaleHandleMode.Checked;

    /// <summary>How long a spin or sleep on a lock may last before it is reported as a lockup rather than hanging.</summary>
    public TimeSpan LockupTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>fault_around_bytes in pages: how many page-cache pages a read fault maps at once (1 disables it).</summary>
    public int FaultAroundPages { get; init; } = 16;

    internal void Check()
    {
        if (PagingLevels is not (4 or 5))
            throw new ArgumentOutOfRangeException(nameof(PagingLevels), PagingLevels, "x86-64 pages with 4 or 5 levels");
        if (FaultAroundPages is < 1 or > 512 || (FaultAroundPages & (FaultAroundPages - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(FaultAroundPages), FaultAroundPages, "a power of two from 1 to 512 pages (one PTE table)");
        if (FrameCount is < 16 or > 1 << 26)
            throw new ArgumentOutOfRangeException(nameof(FrameCount), FrameCount, "between 16 frames and 256 GiB worth");
        if (LockupTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(LockupTimeout), LockupTimeout, "must be positive");
    }
}
