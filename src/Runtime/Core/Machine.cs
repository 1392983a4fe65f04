namespace PtLock;

/// <summary>
/// A simulated machine: the frame pool and the kernel configuration. Several mms live on one machine
/// (hugetlb PMD sharing crosses mms, and frames freed by one mm are reused by another).
/// </summary>
public sealed class Machine
{
    public Machine() : this(new MachineOptions()) { }

    public Machine(MachineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Check();
        Options = options;
        Validate = options.Validate;
        Checked = options.StaleHandles == StaleHandleMode.Checked;
        LockupTicks = (long)(options.LockupTimeout.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        Memory = new PhysMem(this, options.FrameCount);
    }

    public MachineOptions Options { get; }
    public PhysMem Memory { get; }

    internal readonly bool Validate;
    internal readonly bool Checked;
    internal readonly long LockupTicks;

    private int _nextMmId;
    internal int NextMmId() => Interlocked.Increment(ref _nextMmId);

    private long _tlbFlushes;
    /// <summary>How many TLB flushes (flush_tlb_range/mm) were issued.</summary>
    public long TlbFlushes => Interlocked.Read(ref _tlbFlushes);
    internal void CountTlbFlush() => Interlocked.Increment(ref _tlbFlushes);
}
