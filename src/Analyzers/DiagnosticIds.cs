namespace PtLock.Analyzers
{
    /// <summary>The rule catalog's IDs (DESIGN.md). Stable: never renumbered, never reused.</summary>
    public static class DiagnosticIds
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

        public const string RequiresLockNotHeld = "PTL1001";
        public const string GuardedAccessWithoutLock = "PTL1002";
        public const string AcquiredTwice = "PTL1003";
        public const string ReleasedNotHeld = "PTL1004";
        public const string HeldAtExit = "PTL1005";
        public const string HeldOnOneBranch = "PTL1006";
        public const string LockOrder = "PTL1007";
        public const string ExcludedLockHeld = "PTL1008";
        public const string SleepingUnderSpin = "PTL1009";
    }
}
