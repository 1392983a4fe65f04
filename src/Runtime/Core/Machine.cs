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

    private int _nextMappingId;
    internal int NextMappingId() => Interlocked.Increment(ref _nextMappingId);

    private RwSemaphore[]? _hugetlbFaultMutexes;

    /// <summary>hugetlb_fault_mutex_table: sleeping locks hashed by (mapping, index), one per slot.</summary>
    internal RwSemaphore[] HugetlbFaultMutexTable
    {
        get
        {
            var table = Volatile.Read(ref _hugetlbFaultMutexes);
            if (table is not null)
                return table;
            // num_fault_mutexes = roundup_pow_of_two(8 * num_possible_cpus()), for a 2-CPU machine.
            var made = new RwSemaphore[16];
            for (int i = 0; i < made.Length; i++)
                made[i] = new RwSemaphore(this, LockClass.HugetlbFaultMutex, $"hugetlb_fault_mutex[{i}]");
            return Interlocked.CompareExchange(ref _hugetlbFaultMutexes, made, null) ?? made;
        }
    }

    private long _tlbFlushes;
    /// <summary>How many TLB flushes (flush_tlb_range/mm) were issued.</summary>
    public long TlbFlushes => Interlocked.Read(ref _tlbFlushes);
    internal void CountTlbFlush() => Interlocked.Increment(ref _tlbFlushes);
}
