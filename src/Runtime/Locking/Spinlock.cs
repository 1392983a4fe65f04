using PtLock.Contracts;

namespace PtLock;

/// <summary>include/linux/spinlock.h and lockdep.h for page-table locks, for <c>using static</c>.</summary>
public static class Spinlock
{
    /// <summary>SINGLE_DEPTH_NESTING: the subclass for the one inner lock of a nested pair.</summary>
    public const int SingleDepthNesting = 1;

    [Kernel("spin_lock")]
    [Acquires("ptl")]
    [NoLockAnalysis("the lock primitive itself")]
    public static void SpinLock(Ptl ptl)
    {
        ArgumentNullException.ThrowIfNull(ptl);
        ptl.Lock(0);
    }

    [Kernel("spin_lock_nested")]
    [Acquires("ptl", Nested = true)]
    [NoLockAnalysis("the lock primitive itself")]
    public static void SpinLockNested(Ptl ptl, int subclass)
    {
        ArgumentNullException.ThrowIfNull(ptl);
        if (subclass is < 0 or > 7)
            throw new ArgumentOutOfRangeException(nameof(subclass), subclass, "lockdep subclasses are 0..7");
        ptl.Lock(subclass);
    }

    [Kernel("spin_trylock")]
    [TryAcquires(Success.True, "ptl")]
    [NoLockAnalysis("the lock primitive itself")]
    public static bool SpinTrylock(Ptl ptl)
    {
        ArgumentNullException.ThrowIfNull(ptl);
        return ptl.TryLock();
    }

    [Kernel("spin_unlock")]
    [Releases("ptl")]
    [NoLockAnalysis("the lock primitive itself")]
    public static void SpinUnlock(Ptl ptl)
    {
        ArgumentNullException.ThrowIfNull(ptl);
        ptl.Unlock();
    }

    /// <summary>lockdep_assert_held: throws if the calling thread does not hold <paramref name="ptl"/>.</summary>
    [Kernel("lockdep_assert_held")]
    [AssertHeld("ptl")]
    public static void LockdepAssertHeld(Ptl ptl)
    {
        ArgumentNullException.ThrowIfNull(ptl);
        if (!ptl.IsHeldByCurrentThread)
            throw new PtLockViolationException(RuleIds.RequiresLockNotHeld, $"lockdep_assert_held({ptl.Name}) failed");
    }
}
