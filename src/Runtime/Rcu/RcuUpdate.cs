using PtLock.Contracts;

namespace PtLock;

/// <summary>The kernel's spelling of the RCU API (include/linux/rcupdate.h), for <c>using static</c>.</summary>
public static class RcuUpdate
{
    [Kernel("rcu_read_lock")]
    [Acquires("Rcu.Global")]
    public static void RcuReadLock() => Rcu.ReadLock();

    [Kernel("rcu_read_unlock")]
    [Releases("Rcu.Global")]
    public static void RcuReadUnlock() => Rcu.ReadUnlock();

    [Kernel("synchronize_rcu")]
    [MaySleep]
    public static void SynchronizeRcu() => Rcu.Synchronize();

    [Kernel("call_rcu")]
    public static void CallRcu(Action callback) => Rcu.Call(callback);

    [Kernel("rcu_barrier")]
    [MaySleep]
    public static void RcuBarrier() => Rcu.Barrier();
}
