namespace PtLock;

/// <summary>Rule IDs shared by the runtime validator and the analyzers (DESIGN.md's catalog).</summary>
public static class RuleIds
{
    public const string PmdRecheckAfterLock = "PTL0001";
    public const string PteLockptrUnstablePmd = "PTL0002";
    public const string PteRecheckUnderPtl = "PTL0003";
    public const string PteMapMayFail = "PTL0004";
    public const string PteMapUnmapPairing = "PTL0005";
    public const string RwNolockRecheck = "PTL0006";
    public const string PublishedTableFreedNow = "PTL0007";
    public const string HugetlbWindowUnlocked = "PTL0008";
    public const string UffdWpMarkerOnZap = "PTL0009";
    public const string UseAfterUnmap = "PTL0010";
    public const string NestedPtlWithoutGuard = "PTL0011";
    public const string WriteThroughReadOnlyMap = "PTL0012";
    public const string SleepInAtomic = "PTL0013";
    public const string DetachedTableFreedUnsafely = "PTL0016";

    public const string RequiresLockNotHeld = "PTL1001";
    public const string GuardedAccessWithoutLock = "PTL1002";
    public const string AcquiredTwice = "PTL1003";
    public const string ReleasedNotHeld = "PTL1004";
    public const string HeldAtExit = "PTL1005";
    public const string LockOrder = "PTL1007";
    public const string ExcludedLockHeld = "PTL1008";
    public const string SleepingUnderSpin = "PTL1009";

    /// <summary>Runtime-only: page_table_check found a page mapped twice or a mapping lost.</summary>
    public const string PageTableCheck = "PTL9001";
    /// <summary>Runtime-only: a handle to a freed or reused page frame was used.</summary>
    public const string StaleFrame = "PTL9002";
    /// <summary>Runtime-only: a table freed while an RCU reader still maps it.</summary>
    public const string FreedUnderReader = "PTL9003";
    /// <summary>Runtime-only: a lock was spun or slept on past the lockup timeout (soft lockup / hung task).</summary>
    public const string Lockup = "PTL9004";
}
