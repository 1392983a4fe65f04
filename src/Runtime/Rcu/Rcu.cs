using System.Diagnostics;
using PtLock.Contracts;

namespace PtLock;

/// <summary>
/// The RCU domain (kernel/rcu): read sections that nest, grace periods that really wait for every
/// reader that was inside a section when they started, and callbacks run once such a grace period has
/// passed. There is one domain, as in the kernel; <see cref="Global"/> is its name in lock contracts.
/// </summary>
/// <remarks>
/// Each reading thread publishes the grace-period sequence it entered under (0 when outside). A grace
/// period that starts by advancing the sequence to T is over once no reader shows a value below T.
/// Readers only store (no fence); the writer side issues a process-wide memory barrier
/// (membarrier, as liburcu does) before it looks at the readers, which orders every reader's store
/// against its later loads. So a reader is either seen by the writer or sees the writer's unpublish.
/// </remarks>
[Capability("rcu", Reentrant = true)]
public sealed class Rcu
{
    public static readonly Rcu Global = new();

    private Rcu() { }

    private sealed class ReaderRecord
    {
        public PaddedInt64 Entered;
        public ref long EnteredAt => ref Entered.Value;
        public int Depth;
        public readonly Thread Thread = Thread.CurrentThread;

        /// <summary>Registered by a thread under a scheduling hook (the explorer runs it; it moves only when chosen).</summary>
        public readonly bool Controlled = SchedPoint.IsControlled;
    }

    private readonly record struct Callback(long Cookie, Action Invoke);

    [ThreadStatic]
    private static ReaderRecord? t_reader;

    private static ReaderRecord[] s_readers = Array.Empty<ReaderRecord>();
    private static readonly object s_registryGate = new();
    private static long s_gpSeq = 2;
    private static readonly List<Callback> s_callbacks = new();
    private static readonly object s_callbackGate = new();
    private static int s_pendingCallbacks;
    private static int s_runningCallbacks;

    /// <summary>How long a grace period may wait for a reader before it is reported as an RCU stall.</summary>
    public static TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>rcu_read_lock.</summary>
    [Kernel("rcu_read_lock")]
    [Acquires("Rcu.Global")]
    public static void ReadLock()
    {
        SchedPoint.Point(SchedPointKind.RcuReadLock);
        var reader = t_reader ?? Register();
        if (reader.Depth++ == 0)
            Volatile.Write(ref reader.EnteredAt, Volatile.Read(ref s_gpSeq));
    }

    /// <summary>rcu_read_unlock.</summary>
    [Kernel("rcu_read_unlock")]
    [Releases("Rcu.Global")]
    public static void ReadUnlock()
    {
        var reader = t_reader;
        if (reader is null || reader.Depth == 0)
            throw new PtLockViolationException(RuleIds.ReleasedNotHeld, "rcu_read_unlock() outside any RCU read section");
        if (--reader.Depth == 0)
            Volatile.Write(ref reader.EnteredAt, 0);
        SchedPoint.Point(SchedPointKind.RcuReadUnlock);
    }

    /// <summary>
    /// Forget the calling thread's read-section nesting: the explorer's pooled threads call it before each job,
    /// since an abandoned schedule may have unwound a thread out of a section without rcu_read_unlock.
    /// </summary>
    internal static void ResetCurrentThread()
    {
        if (t_reader is { } reader)
        {
            reader.Depth = 0;
            Volatile.Write(ref reader.EnteredAt, 0);
        }
    }

    /// <summary>A scoped read section: <c>using (Rcu.ReadSection()) { … }</c>.</summary>
    [Acquires("Rcu.Global")]
    public static RcuReadSection ReadSection()
    {
        ReadLock();
        return new RcuReadSection(true);
    }

    /// <summary>rcu_read_lock_held: how deeply the calling thread is nested in read sections.</summary>
    public static int Depth => t_reader?.Depth ?? 0;

    public static bool InReadSection => Depth > 0;

    /// <summary>True where the calling thread may block (not in RCU, holding no spinlock).</summary>
    internal static bool CanSleepHere() => Depth == 0 && !LockDep.HoldsSpinlock();

    /// <summary>synchronize_rcu: wait until every reader that was inside a section at the call has left it.</summary>
    [Kernel("synchronize_rcu")]
    [MaySleep]
    public static void Synchronize()
    {
        if (Depth > 0)
            throw new PtLockViolationException(RuleIds.SleepInAtomic,
                "synchronize_rcu() inside an RCU read section would wait for itself");
        if (LockDep.HoldsSpinlock())
            throw new PtLockViolationException(RuleIds.SleepInAtomic,
                $"synchronize_rcu() may sleep but the thread holds spinlock {LockDep.FirstSpinlockName()}");
        SchedPoint.Point(SchedPointKind.RcuSynchronize);
        long target = Interlocked.Add(ref s_gpSeq, 2);
        WaitForReadersBefore(target);
        RunCallbacks(Math.Max(target, OldestActiveReader()));
    }

    /// <summary>call_rcu: run <paramref name="callback"/> after a grace period.</summary>
    [Kernel("call_rcu")]
    public static void Call(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        long cookie = Interlocked.Add(ref s_gpSeq, 2);
        lock (s_callbackGate)
        {
            s_callbacks.Add(new Callback(cookie, callback));
            s_pendingCallbacks++;
        }
        ProcessReadyCallbacks();
    }

    /// <summary>rcu_barrier: wait for a grace period and run every callback queued before the call.</summary>
    [Kernel("rcu_barrier")]
    [MaySleep]
    public static void Barrier()
    {
        // Every callback queued before this call has a cookie below the sequence read here; the grace
        // period that Synchronize waits for starts after it, so all of them become ready.
        long queuedBefore = Volatile.Read(ref s_gpSeq);
        Synchronize();
        RunCallbacks(queuedBefore);
        // Another thread may have taken some of those callbacks and still be running them.
        var spin = new SpinWait();
        long start = Stopwatch.GetTimestamp();
        long stallTicks = (long)(StallTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Volatile.Read(ref s_runningCallbacks) > 0)
        {
            if (Stopwatch.GetTimestamp() - start > stallTicks)
                throw new PtLockViolationException(RuleIds.Lockup, $"rcu_barrier: callbacks still running after {StallTimeout.TotalSeconds:0} s");
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Callbacks queued and not yet run.</summary>
    public static int PendingCallbacks => Volatile.Read(ref s_pendingCallbacks);

    /// <summary>Run the callbacks whose grace period has already elapsed, without waiting.</summary>
    public static void ProcessReadyCallbacks()
    {
        if (Volatile.Read(ref s_pendingCallbacks) == 0)
            return;
        RunCallbacks(OldestActiveReader());
    }

    private static void RunCallbacks(long upToCookie)
    {
        List<Callback>? ready = null;
        lock (s_callbackGate)
        {
            for (int i = 0; i < s_callbacks.Count; i++)
            {
                if (s_callbacks[i].Cookie > upToCookie)
                    continue;
                (ready ??= new()).Add(s_callbacks[i]);
                s_callbacks.RemoveAt(i--);
                s_pendingCallbacks--;
                Interlocked.Increment(ref s_runningCallbacks);
            }
        }
        if (ready is null)
            return;
        List<Exception>? failures = null;
        foreach (var cb in ready)
        {
            try { cb.Invoke(); }
            catch (Exception e) { (failures ??= new()).Add(e); }
            finally { Interlocked.Decrement(ref s_runningCallbacks); }
        }
        if (failures is { Count: 1 })
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failures[0]).Throw();
        if (failures is not null)
            throw new AggregateException("RCU callbacks failed", failures);
    }

    /// <summary>The smallest entry sequence among threads inside a section, or long.MaxValue if none.</summary>
    private static long OldestActiveReader()
    {
        Interlocked.MemoryBarrierProcessWide();
        long oldest = long.MaxValue;
        foreach (var r in Volatile.Read(ref s_readers))
        {
            long at = Volatile.Read(ref r.EnteredAt);
            if (at != 0 && at < oldest && r.Thread.IsAlive)
                oldest = at;
        }
        // A callback queued at cookie C is ready once every active reader entered at or after C.
        return oldest == long.MaxValue ? long.MaxValue : oldest;
    }

    private static void WaitForReadersBefore(long target)
    {
        Interlocked.MemoryBarrierProcessWide();
        long stallTicks = (long)(StallTimeout.TotalSeconds * Stopwatch.Frequency);
        foreach (var r in Volatile.Read(ref s_readers))
        {
            long start = 0;
            var spin = new SpinWait();
            while (true)
            {
                long at = Volatile.Read(ref r.EnteredAt);
                if (at == 0 || at >= target)
                    break;
                if (!r.Thread.IsAlive)
                {
                    // The thread died inside a section (a test threw). It can read nothing any more.
                    Volatile.Write(ref r.EnteredAt, 0);
                    break;
                }
                if (start == 0)
                    start = Stopwatch.GetTimestamp();
                else if (Stopwatch.GetTimestamp() - start > stallTicks)
                    throw new PtLockViolationException(RuleIds.HeldAtExit,
                        $"RCU stall: thread '{r.Thread.Name ?? r.Thread.ManagedThreadId.ToString()}' has been inside a read section for over {StallTimeout.TotalSeconds:0} s");
                // A reader the explorer controls moves only when chosen: give way at a scheduling point. Any other
                // reader moves on its own, and waiting for it must not add choices that differ from run to run.
                if (r.Controlled)
                    SchedPoint.Point(SchedPointKind.RcuSynchronize);
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }
    }

    private static ReaderRecord Register()
    {
        var reader = new ReaderRecord();
        lock (s_registryGate)
        {
            var live = new List<ReaderRecord>(s_readers.Length + 1);
            foreach (var r in s_readers)
                if (r.Thread.IsAlive)
                    live.Add(r);
            live.Add(reader);
            Volatile.Write(ref s_readers, live.ToArray());
        }
        t_reader = reader;
        return reader;
    }
}

/// <summary>A scoped RCU read section; <see cref="Dispose"/> is rcu_read_unlock.</summary>
[ScopedCapability]
public struct RcuReadSection : IDisposable
{
    private bool _active;

    internal RcuReadSection(bool active) => _active = active;

    [Releases("Rcu.Global")]
    public void Dispose()
    {
        if (!_active)
            return;
        _active = false;
        Rcu.ReadUnlock();
    }
}
