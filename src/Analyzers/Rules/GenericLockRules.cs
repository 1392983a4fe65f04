using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace PtLock.Analyzers.Rules
{
    // One analyzer per generic lock-discipline rule (Clang thread-safety parity); they share the engine.

    /// <summary>PTL1001: a [Requires] callee is called without its lock.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class RequiresLockNotHeldAnalyzer : LockRuleAnalyzer
    {
        public RequiresLockNotHeldAnalyzer() : base(Descriptors.RequiresLockNotHeld) { }
    }

    /// <summary>PTL1002: a [GuardedBy]/[PtGuardedBy] member accessed without its lock.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class GuardedAccessWithoutLockAnalyzer : LockRuleAnalyzer
    {
        public GuardedAccessWithoutLockAnalyzer() : base(Descriptors.GuardedAccessWithoutLock) { }
    }

    /// <summary>PTL1003: a non-reentrant lock acquired while held.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class AcquiredTwiceAnalyzer : LockRuleAnalyzer
    {
        public AcquiredTwiceAnalyzer() : base(Descriptors.AcquiredTwice) { }
    }

    /// <summary>PTL1004: a lock released while not held.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class ReleasedNotHeldAnalyzer : LockRuleAnalyzer
    {
        public ReleasedNotHeldAnalyzer() : base(Descriptors.ReleasedNotHeld) { }
    }

    /// <summary>PTL1005: the lock state at a return does not match the method's contract.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class HeldAtExitAnalyzer : LockRuleAnalyzer
    {
        public HeldAtExitAnalyzer() : base(Descriptors.HeldAtExit) { }
    }

    /// <summary>PTL1006: a lock held on one incoming path only where paths join.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class HeldOnOneBranchAnalyzer : LockRuleAnalyzer
    {
        public HeldOnOneBranchAnalyzer() : base(Descriptors.HeldOnOneBranch) { }
    }

    /// <summary>PTL1007: a lock taken against the declared order.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class LockOrderAnalyzer : LockRuleAnalyzer
    {
        public LockOrderAnalyzer() : base(Descriptors.LockOrder) { }
    }

    /// <summary>PTL1008: an [Excludes] callee called with its lock held.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class ExcludedLockHeldAnalyzer : LockRuleAnalyzer
    {
        public ExcludedLockHeldAnalyzer() : base(Descriptors.ExcludedLockHeld) { }
    }

    /// <summary>PTL1009: a sleeping lock taken under a spinlock or in an RCU read section.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SleepingUnderSpinAnalyzer : LockRuleAnalyzer
    {
        public SleepingUnderSpinAnalyzer() : base(Descriptors.SleepingUnderSpin) { }
    }
}

namespace PtLock.Analyzers.Rules
{
    /// <summary>PTL0001: a PMD entry write under the PMD lock without a recheck since the lock was taken.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class PmdRecheckAfterLockAnalyzer : LockRuleAnalyzer
    {
        public PmdRecheckAfterLockAnalyzer() : base(Descriptors.PmdRecheckAfterLock) { }
    }

    /// <summary>PTL0002: pte_lockptr on a PMD that is not locked and rechecked.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class PteLockptrUnstablePmdAnalyzer : LockRuleAnalyzer
    {
        public PteLockptrUnstablePmdAnalyzer() : base(Descriptors.PteLockptrUnstablePmd) { }
    }

    /// <summary>PTL0003: an entry write under the ptl without a recheck since the lock was taken.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class PteRecheckUnderPtlAnalyzer : LockRuleAnalyzer
    {
        public PteRecheckUnderPtlAnalyzer() : base(Descriptors.PteRecheckUnderPtl) { }
    }

    /// <summary>PTL0004: a fallible pte_offset_map* result used before its null test.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class PteMapMayFailAnalyzer : LockRuleAnalyzer
    {
        public PteMapMayFailAnalyzer() : base(Descriptors.PteMapMayFail) { }
    }

    /// <summary>PTL0005: a successful pte_offset_map* not unmapped on some path.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class PteMapUnmapPairingAnalyzer : LockRuleAnalyzer
    {
        public PteMapUnmapPairingAnalyzer() : base(Descriptors.PteMapUnmapPairing) { }
    }

    /// <summary>PTL0006: a write under a rw_nolock lock without pmd_same (or a non-none pte_same).</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class RwNolockRecheckAnalyzer : LockRuleAnalyzer
    {
        public RwNolockRecheckAnalyzer() : base(Descriptors.RwNolockRecheck) { }
    }

    /// <summary>PTL0007: a published table freed with pte_free.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class PublishedTableFreedNowAnalyzer : LockRuleAnalyzer
    {
        public PublishedTableFreedNowAnalyzer() : base(Descriptors.PublishedTableFreedNow) { }
    }

    /// <summary>PTL0008: a hugetlb pte_t * looked up or used without the hugetlb vma lock (or i_mmap_rwsem) held.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class HugetlbWindowUnlockedAnalyzer : LockRuleAnalyzer
    {
        public HugetlbWindowUnlockedAnalyzer() : base(Descriptors.HugetlbWindowUnlocked) { }
    }

    /// <summary>PTL0010: a pte used after pte_unmap, or a *_nolock ptl used after its table was unmapped.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class UseAfterUnmapAnalyzer : LockRuleAnalyzer
    {
        public UseAfterUnmapAnalyzer() : base(Descriptors.UseAfterUnmap) { }
    }

    /// <summary>PTL0011: a PTE lock taken under the PMD lock without the ptl != pml guard or without nesting.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class NestedPtlWithoutGuardAnalyzer : LockRuleAnalyzer
    {
        public NestedPtlWithoutGuardAnalyzer() : base(Descriptors.NestedPtlWithoutGuard) { }
    }
}
