namespace PtLock;

/// <summary>What a thread is about to do at a scheduling point.</summary>
public enum SchedPointKind
{
    LockAcquire,
    LockRelease,
    LockSpin,
    RcuReadLock,
    RcuReadUnlock,
    RcuSynchronize,
    EntryRead,
    EntryWrite,
    TableAlloc,
    TableFree,
    Yield,
}

/// <summary>Receives the scheduling points of the threads it controls (the race explorer).</summary>
public interface ISchedulingHook
{
    /// <param name="kind">The operation about to happen.</param>
    /// <param name="subject">The lock, table or entry concerned, for traces; may be null.</param>
    void OnPoint(SchedPointKind kind, object? subject);
}

/// <summary>
/// Every lock, RCU and entry access calls <see cref="Point"/>. With no hook attached anywhere the cost is
/// one static read and a branch; a hook is attached per thread so that tests running in parallel are
/// unaffected by an explorer controlling other threads.
/// </summary>
public static class SchedPoint
{
    private static int s_attachedHooks;

    [ThreadStatic]
    private static ISchedulingHook? t_hook;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static void Point(SchedPointKind kind, object? subject = null)
    {
        if (Volatile.Read(ref s_attachedHooks) == 0)
            return;
        t_hook?.OnPoint(kind, subject);
    }

    /// <summary>Whether the calling thread runs under a scheduling hook (blocking must then go through points).</summary>
    public static bool IsControlled => t_hook is not null;

    /// <summary>Attach <paramref name="hook"/> to the calling thread until the returned scope is disposed.</summary>
    public static HookScope Attach(ISchedulingHook hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        if (t_hook is not null)
            throw new InvalidOperationException("this thread already has a scheduling hook attached");
        t_hook = hook;
        Interlocked.Increment(ref s_attachedHooks);
        return new HookScope();
    }

    public readonly struct HookScope : IDisposable
    {
        public void Dispose()
        {
            if (t_hook is null)
                return;
            t_hook = null;
            Interlocked.Decrement(ref s_attachedHooks);
        }
    }
}
