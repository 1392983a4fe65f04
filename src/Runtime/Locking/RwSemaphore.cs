using System.Diagnostics;
using PtLock.Contracts;

namespace PtLock;

/// <summary>
/// struct rw_semaphore: a sleeping reader/writer lock (mmap_lock, i_mmap_rwsem, the hugetlb vma lock; the
/// folio lock uses it as a mutex). Waiting writers hold off new readers, as in the kernel, so a recursive
/// read can deadlock behind a writer; the validator reports such recursion before it happens.
/// </summary>
[Capability("rwsem", Sleeps = true)]
[Kernel("struct rw_semaphore")]
public sealed class RwSemaphore
{
    private readonly object _gate = new();
    private readonly Machine _machine;
    private int _readers;
    private int _writer;
    private int _waitingWriters;

    public RwSemaphore(Machine machine, LockClass lockClass, string name)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(lockClass);
        _machine = machine;
        Class = lockClass;
        Name = name ?? throw new ArgumentNullException(nameof(name));
    }

    public string Name { get; }
    public LockClass Class { get; }

    /// <summary>rwsem_is_locked.</summary>
    public bool IsLocked
    {
        get { lock (_gate) return _readers > 0 || _writer != 0; }
    }

    public bool IsWriteLocked => Volatile.Read(ref _writer) != 0;

    /// <summary>Whether the calling thread holds it for write (known without the validator).</summary>
    public bool IsWriteHeldByCurrentThread => Volatile.Read(ref _writer) == Environment.CurrentManagedThreadId;

    /// <summary>
    /// Whether the calling thread holds it in any mode. Readers are only known per thread when the machine
    /// validates, as in the kernel (rwsem readers have no owner field).
    /// </summary>
    public bool IsHeldByCurrentThread => IsWriteHeldByCurrentThread || (_machine.Validate && LockDep.IsHeld(this));

    [Kernel("down_read")]
    [AcquiresShared("this")]
    [MaySleep]
    public void DownRead() => Acquire(write: false, subclass: 0);

    [Kernel("down_read_nested")]
    [AcquiresShared("this")]
    [MaySleep]
    public void DownReadNested(int subclass) => Acquire(write: false, subclass);

    [Kernel("down_write")]
    [Acquires("this")]
    [MaySleep]
    public void DownWrite() => Acquire(write: true, subclass: 0);

    [Kernel("down_write_nested")]
    [Acquires("this")]
    [MaySleep]
    public void DownWriteNested(int subclass) => Acquire(write: true, subclass);

    [Kernel("down_read_trylock")]
    [TryAcquiresShared(Success.True, "this")]
    public bool DownReadTrylock() => TryAcquire(write: false);

    [Kernel("down_write_trylock")]
    [TryAcquires(Success.True, "this")]
    public bool DownWriteTrylock() => TryAcquire(write: true);

    [Kernel("up_read")]
    [ReleasesShared("this")]
    public void UpRead()
    {
        lock (_gate)
        {
            if (_readers == 0)
                throw new PtLockViolationException(RuleIds.ReleasedNotHeld, $"up_read({Name}) with no reader holding it");
            if (_machine.Validate)
                LockDep.Released(this, Name);
            if (--_readers == 0)
                Monitor.PulseAll(_gate);
        }
        SchedPoint.Point(SchedPointKind.LockRelease, this);
    }

    [Kernel("up_write")]
    [Releases("this")]
    public void UpWrite()
    {
        lock (_gate)
        {
            if (_writer != Environment.CurrentManagedThreadId)
                throw new PtLockViolationException(RuleIds.ReleasedNotHeld,
                    _writer == 0 ? $"up_write({Name}) of an rwsem not write-locked" : $"up_write({Name}) by a thread that is not the writer");
            if (_machine.Validate)
                LockDep.Released(this, Name);
            _writer = 0;
            Monitor.PulseAll(_gate);
        }
        SchedPoint.Point(SchedPointKind.LockRelease, this);
    }

    /// <summary>downgrade_write: the writer becomes a reader without letting another writer in.</summary>
    [Kernel("downgrade_write")]
    public void DowngradeWrite()
    {
        lock (_gate)
        {
            if (_writer != Environment.CurrentManagedThreadId)
                throw new PtLockViolationException(RuleIds.ReleasedNotHeld, $"downgrade_write({Name}) by a thread that is not the writer");
            if (_machine.Validate)
            {
                LockDep.Released(this, Name);
                LockDep.Acquired(this, Class, 0, shared: true, Name);
            }
            _writer = 0;
            _readers++;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>lockdep_assert_held / mmap_assert_locked.</summary>
    [AssertHeld("this")]
    public void AssertHeld()
    {
        if (IsWriteHeldByCurrentThread)
            return;
        if (_machine.Validate && !LockDep.IsHeld(this))
            throw new PtLockViolationException(RuleIds.RequiresLockNotHeld, $"lockdep_assert_held({Name}) failed");
        if (!_machine.Validate && !IsLocked)
            throw new PtLockViolationException(RuleIds.RequiresLockNotHeld, $"rwsem_is_locked({Name}) is false");
    }

    /// <summary>lockdep_assert_held_write / mmap_assert_write_locked.</summary>
    [AssertHeld("this")]
    public void AssertWriteHeld()
    {
        if (!IsWriteHeldByCurrentThread)
            throw new PtLockViolationException(RuleIds.RequiresLockNotHeld, $"lockdep_assert_held_write({Name}) failed");
    }

    private void Acquire(bool write, int subclass)
    {
        SchedPoint.Point(SchedPointKind.LockAcquire, this);
        if (_machine.Validate)
            LockDep.BeforeAcquire(this, Class, subclass, trylock: false, Name);
        int me = Environment.CurrentManagedThreadId;
        long start = Stopwatch.GetTimestamp();
        bool controlled = SchedPoint.IsControlled;
        lock (_gate)
        {
            if (write)
                _waitingWriters++;
            try
            {
                while (!CanTake(write))
                {
                    if (_writer == me)
                        throw new PtLockViolationException(RuleIds.AcquiredTwice, $"{Name} taken by the thread that holds it for write: self-deadlock");
                    if (Stopwatch.GetTimestamp() - start > _machine.LockupTicks)
                        throw new PtLockViolationException(RuleIds.Lockup,
                            $"hung task: blocked on {Name} for over {_machine.Options.LockupTimeout.TotalSeconds:0} s");
                    if (controlled)
                    {
                        // The explorer runs one thread at a time: give way at a scheduling point, then retry.
                        Monitor.Exit(_gate);
                        try { SchedPoint.Point(SchedPointKind.LockSpin, this); }
                        finally { Monitor.Enter(_gate); }
                    }
                    else
                    {
                        Monitor.Wait(_gate, 50);
                    }
                }
                if (write)
                    _writer = me;
                else
                    _readers++;
            }
            finally
            {
                if (write)
                    _waitingWriters--;
            }
        }
        if (_machine.Validate)
            LockDep.Acquired(this, Class, subclass, shared: !write, Name);
    }

    private bool CanTake(bool write) =>
        write ? _writer == 0 && _readers == 0 : _writer == 0 && _waitingWriters == 0;

    private bool TryAcquire(bool write)
    {
        SchedPoint.Point(SchedPointKind.LockAcquire, this);
        if (_machine.Validate)
            LockDep.BeforeAcquire(this, Class, 0, trylock: true, Name);
        lock (_gate)
        {
            if (write ? !(_writer == 0 && _readers == 0) : _writer != 0)
                return false;
            if (write)
                _writer = Environment.CurrentManagedThreadId;
            else
                _readers++;
        }
        if (_machine.Validate)
            LockDep.Acquired(this, Class, 0, shared: !write, Name);
        return true;
    }

    public override string ToString() => Name;
}
