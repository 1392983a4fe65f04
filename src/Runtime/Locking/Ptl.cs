using System.Diagnostics;
using PtLock.Contracts;

namespace PtLock;

/// <summary>
/// spinlock_t * for page tables: either the split lock embedded in a table page (ptlock_ptr(ptdesc)) or
/// mm->page_table_lock. One object exists per lock (per table generation for split locks), so
/// <c>ptl != pml</c> means in C# what it means in C.
/// </summary>
[Capability("spinlock")]
[Kernel("spinlock_t")]
public sealed class Ptl
{
    private readonly PageFrame? _frame;
    private readonly int _generation;
    private readonly Machine _machine;
    private readonly LockClass _class;
    private readonly string _name;
    private readonly bool _checked;
    private readonly bool _validate;
    private int _ownWord;

    /// <summary>ptlock_init: the split lock of a freshly constructed table page.</summary>
    internal Ptl(PageFrame frame, LockClass cls, Machine machine)
    {
        _frame = frame;
        _generation = frame.Generation;
        _machine = machine;
        _class = cls;
        _name = $"ptl(pfn {frame.Pfn:x} gen {_generation})";
        _checked = machine.Checked;
        _validate = machine.Validate;
    }

    /// <summary>mm->page_table_lock.</summary>
    internal Ptl(Mm mm)
    {
        _machine = mm.Machine;
        _class = LockClass.PageTableLock;
        _name = $"mm{mm.Id}->page_table_lock";
        _checked = _machine.Checked;
        _validate = _machine.Validate;
    }

    public string Name => _name;
    public LockClass Class => _class;

    /// <summary>True for a lock embedded in a table page, false for mm->page_table_lock.</summary>
    public bool IsSplit => _frame is not null;

    /// <summary>The table page this lock lives in (split locks only).</summary>
    public PageFrame? Frame => _frame;

    /// <summary>Whether the calling thread holds this lock (spin_is_locked by me; lockdep_is_held).</summary>
    public bool IsHeldByCurrentThread => Volatile.Read(ref Word("lockdep_is_held")) == Environment.CurrentManagedThreadId;

    public bool IsLocked => Volatile.Read(ref Word("spin_is_locked")) != 0;

    [Acquires("this")]
    internal void Lock(int subclass)
    {
        SchedPoint.Point(SchedPointKind.LockAcquire, this);
        CheckLive("spin_lock");
        if (_validate)
            LockDep.BeforeAcquire(this, _class, subclass, trylock: false, _name);
        ref int word = ref Word("spin_lock");
        int me = Environment.CurrentManagedThreadId;
        if (Interlocked.CompareExchange(ref word, me, 0) != 0)
            SpinUntilAcquired(me);
        if (_validate)
            LockDep.Acquired(this, _class, subclass, shared: false, _name);
    }

    [TryAcquires(Success.True, "this")]
    internal bool TryLock()
    {
        SchedPoint.Point(SchedPointKind.LockAcquire, this);
        CheckLive("spin_trylock");
        if (_validate)
            LockDep.BeforeAcquire(this, _class, 0, trylock: true, _name);
        if (Interlocked.CompareExchange(ref Word("spin_trylock"), Environment.CurrentManagedThreadId, 0) != 0)
            return false;
        if (_validate)
            LockDep.Acquired(this, _class, 0, shared: false, _name);
        return true;
    }

    [Releases("this")]
    internal void Unlock()
    {
        CheckLive("spin_unlock");
        ref int word = ref Word("spin_unlock");
        int owner = Volatile.Read(ref word);
        if (owner != Environment.CurrentManagedThreadId)
            throw new PtLockViolationException(RuleIds.ReleasedNotHeld,
                owner == 0 ? $"spin_unlock({_name}) of a lock that is not held"
                           : $"spin_unlock({_name}) by a thread that does not hold it (held by thread {owner})");
        if (_validate)
            LockDep.Released(this, _name);
        Volatile.Write(ref word, 0);
        SchedPoint.Point(SchedPointKind.LockRelease, this);
    }

    private void SpinUntilAcquired(int me)
    {
        long start = Stopwatch.GetTimestamp();
        var spin = new SpinWait();
        while (true)
        {
            ref int word = ref Word("spin_lock");
            int owner = Volatile.Read(ref word);
            if (owner == 0 && Interlocked.CompareExchange(ref word, me, 0) == 0)
                return;
            if (owner == me)
                throw new PtLockViolationException(RuleIds.AcquiredTwice,
                    $"spin_lock({_name}) by the thread that already holds it: self-deadlock");
            if (Stopwatch.GetTimestamp() - start > _machine.LockupTicks)
                throw new PtLockViolationException(RuleIds.Lockup,
                    $"soft lockup: spun on {_name} for over {_machine.Options.LockupTimeout.TotalSeconds:0} s (held by thread {owner})");
            SchedPoint.Point(SchedPointKind.LockSpin, this);
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Checked mode: a lock from a freed or reused table page is reported at its first use.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void CheckLive(string op)
    {
        if (_frame is null || !_checked || _frame.Generation == _generation)
            return;
        ThrowStale(op);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void ThrowStale(string op)
    {
        string rule = _frame!.LastWasSharedHugetlbPmd ? RuleIds.HugetlbWindowUnlocked : RuleIds.UseAfterUnmap;
        throw new PtLockViolationException(rule,
            $"{op}({_name}): the table page holding this lock was freed: {_frame.Describe()}");
    }

    /// <summary>The lock word. Raw mode follows a stale handle into whatever the frame has become.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private ref int Word(string op)
    {
        if (_frame is null)
            return ref _ownWord;
        // In checked mode a live handle's frame is still this table; only raw mode can meet a data page.
        if (!_checked && _frame.Kind == FrameKind.Data)
            throw new KernelOopsException(
                $"{op}({_name}): the page holding this spinlock was freed and reused as a data page; the lock word is garbage");
        return ref _frame.LockWord;
    }

    public override string ToString() => _name;
}
