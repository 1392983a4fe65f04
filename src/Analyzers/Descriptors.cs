using Microsoft.CodeAnalysis;

namespace PtLock.Analyzers
{
    /// <summary>Every diagnostic PtLock reports, in one place: IDs, messages, categories, severities, help links.</summary>
    public static class Descriptors
    {
        public const string HelpLinkBase = "https://github.com/ptlock/ptlock/blob/main/docs/rules/";
        private const string Locking = "Locking";

        public static string HelpLink(string id) => HelpLinkBase + id + ".md";

        private static DiagnosticDescriptor Rule(string id, string title, string message, DiagnosticSeverity severity, string description) =>
            new DiagnosticDescriptor(id, title, message, Locking, severity, isEnabledByDefault: true, description, HelpLink(id));

        private const string PageTables = "PageTables";

        private static DiagnosticDescriptor MmRule(string id, string title, string message, DiagnosticSeverity severity, string description) =>
            new DiagnosticDescriptor(id, title, message, PageTables, severity, isEnabledByDefault: true, description, HelpLink(id));

        public static readonly DiagnosticDescriptor PmdRecheckAfterLock = MmRule(DiagnosticIds.PmdRecheckAfterLock,
            "Revalidate the PMD after taking the PMD lock before changing it",
            "'{0}' changes the PMD under '{1}' (taken at line {2}) without rechecking it since: test PmdNone(PmdpGet(pmd)), CheckPmdState(pmd) or PmdSame against the value you decided on",
            DiagnosticSeverity.Warning,
            "A check made before the PMD lock was taken (pmdp_get_lockless, find_pmd_or_thp_or_none) is stale once the lock is held: another thread may have populated, collapsed or reclaimed the table in between (threads 000, 004).");

        public static readonly DiagnosticDescriptor PteLockptrUnstablePmd = MmRule(DiagnosticIds.PteLockptrUnstablePmd,
            "pte_lockptr only on a stable PMD",
            "'{0}' reads the PMD to find its table's lock, but {1}: recheck the PMD under its lock first, or use the lock PteOffsetMapRwNolock delivers (with the PmdSame recheck)",
            DiagnosticSeverity.Error,
            "The PMD can change under a caller that only looked at it without the PMD lock: retraction and PT reclaim free tables while others hold the mmap lock for read (threads 000, 004). The lock of a table that is gone is the lock of a freed, maybe reused, page.");

        public static readonly DiagnosticDescriptor PteRecheckUnderPtl = MmRule(DiagnosticIds.PteRecheckUnderPtl,
            "Recheck the PTE under the ptl before writing it",
            "'{0}' writes an entry under '{1}' (taken at line {2}) without rechecking it since: test PteNone(PtepGet(pte)) or PteSame against the value read before the lock",
            DiagnosticSeverity.Error,
            "Between reading an entry without the lock and taking the lock, another thread may install it (thread 003): installing over it loses that mapping.");

        public static readonly DiagnosticDescriptor PteMapMayFail = MmRule(DiagnosticIds.PteMapMayFail,
            "A pte_offset_map* result can be null",
            "'{0}' may be null ({1} uses it before it is tested): a pte_offset_map* walker or any other [Fallible] call can fail when it races (a retracted or reclaimed table, a changed PMD)",
            DiagnosticSeverity.Error,
            "pte_offset_map and its variants fail (return NULL, nothing held) when the PMD is none, huge, a migration entry or changed under them (threads 000, 003, 004).");

        public static readonly DiagnosticDescriptor PteMapUnmapPairing = MmRule(DiagnosticIds.PteMapUnmapPairing,
            "Every successful pte_offset_map* is unmapped exactly once",
            "'{0}', mapped by {3} at line {1}, is not unmapped on the path returning at line {2}: call PteUnmap (or PteUnmapUnlock with its ptl) first",
            DiagnosticSeverity.Warning,
            "A mapped PTE table is an RCU read section (and, for pte_offset_map_lock, a held ptl): leaving it open blocks grace periods, so deferred table frees never complete (thread 004), and the ptl stays held.");

        public static readonly DiagnosticDescriptor RwNolockRecheck = MmRule(DiagnosticIds.RwNolockRecheck,
            "After pte_offset_map_rw_nolock and its lock, recheck pmd_same before writing",
            "'{0}' writes under '{1}' (taken at line {2}), a lock from PteOffsetMapRwNolock, without PmdSame(pmdval, PmdpGetLockless(pmd)) or a PteSame against a non-none value: the table may have been detached, and a detached table reads as all-none",
            DiagnosticSeverity.Error,
            "pte_offset_map_rw_nolock maps a table it does not lock; by the time the caller takes the ptl, PT reclaim or retraction may have detached it (thread 004). pte_none() cannot tell: an emptied, detached table is all-none. Only pmd_same against the value the map used, or pte_same against a non-none entry, proves the table is still installed.");

        public static readonly DiagnosticDescriptor PublishedTableFreedNow = MmRule(DiagnosticIds.PublishedTableFreedNow,
            "A table that was installed in a PMD is freed through RCU",
            "'{0}' frees '{1}' at once, but it was installed in a PMD: lockless walkers may still be reading it; use PteFreeDefer or TlbRemoveTable",
            DiagnosticSeverity.Error,
            "Since page tables can be detached while others walk them locklessly (pte_offset_map under RCU), a detached table is freed after a grace period (pte_free_defer, tlb_remove_table); pte_free is only for a table that was never installed (thread 004).");

        public static readonly DiagnosticDescriptor HugetlbWindowUnlocked = MmRule(DiagnosticIds.HugetlbWindowUnlocked,
            "Hold the hugetlb vma lock from huge_pte_alloc/hugetlb_walk to the last use of the pointer and its lock",
            "'{0}' {1} while none of {2} is held: another mm may unshare the PMD table it points into, and the page be freed and reused",
            DiagnosticSeverity.Error,
            "A hugetlb pte_t * can point into a PMD table shared with other mms. huge_pmd_unshare, serialised only by the hugetlb vma lock (or i_mmap_rwsem), can drop this mm's use of the table, and its last user free it; the page is then reused and the spinlock inside it is someone else's (thread 001). Hold the lock from the lookup until the pointer and the lock taken through it are no longer used.");

        public static readonly DiagnosticDescriptor UseAfterUnmap = MmRule(DiagnosticIds.UseAfterUnmap,
            "No use of a pte after pte_unmap, nor of a *_nolock ptl after its table is unmapped",
            "'{0}' is {1}, used by {2}: once unmapped the table may be freed (its RCU section is over)",
            DiagnosticSeverity.Error,
            "pte_unmap ends the RCU read section that kept the table alive; from then on the table can be detached and freed, and its lock with it (thread 000).");

        public static readonly DiagnosticDescriptor UffdWpMarkerOnZap = MmRule(DiagnosticIds.UffdWpMarkerOnZap,
            "Zapping a file-backed PTE installs the uffd-wp marker",
            "'{0}' clears an entry in the zap path '{1}' with no ZapInstallUffdWpIfNeeded/PteInstallUffdWpIfNeeded on that entry after it: a uffd-wp protected file page loses its protection",
            DiagnosticSeverity.Warning,
            "A file-backed pte carrying uffd-wp (present or swap form) that is zapped must be replaced by a uffd-wp pte marker under the ptl, unless the whole mapping is going away (ZAP_FLAG_DROP_MARKER), or the next write succeeds without userspace being told (thread 002).");

        public static readonly DiagnosticDescriptor NestedPtlWithoutGuard = MmRule(DiagnosticIds.NestedPtlWithoutGuard,
            "Taking a PTE lock under the PMD lock needs the ptl != pml guard and a nested acquisition",
            "Taking '{0}' while holding '{1}': {2}",
            DiagnosticSeverity.Error,
            "Without split page-table locks the PTE lock and the PMD lock are both mm->page_table_lock: taking the second deadlocks. Where they differ, lockdep needs spin_lock_nested (threads 000, 004).");

        public static readonly DiagnosticDescriptor RequiresLockNotHeld = Rule(DiagnosticIds.RequiresLockNotHeld,
            "Call requires a lock that is not held",
            "Calling '{0}' requires holding '{1}'{2}",
            DiagnosticSeverity.Warning,
            "The callee is annotated [Requires]/[RequiresShared]: its caller must hold the named lock.");

        public static readonly DiagnosticDescriptor GuardedAccessWithoutLock = Rule(DiagnosticIds.GuardedAccessWithoutLock,
            "Guarded member accessed without its lock",
            "{0} {1} requires holding '{2}'{3}",
            DiagnosticSeverity.Warning,
            "A [GuardedBy] member is read only with its lock held (shared or exclusive) and written only with it held exclusively; [PtGuardedBy] guards what the member points to.");

        public static readonly DiagnosticDescriptor AcquiredTwice = Rule(DiagnosticIds.AcquiredTwice,
            "Lock acquired while already held",
            "Acquiring '{0}', which is already held since line {1}",
            DiagnosticSeverity.Warning,
            "Taking a non-reentrant lock that the thread already holds deadlocks.");

        public static readonly DiagnosticDescriptor ReleasedNotHeld = Rule(DiagnosticIds.ReleasedNotHeld,
            "Lock released but not held",
            "Releasing '{0}': {1}",
            DiagnosticSeverity.Warning,
            "Releasing a lock the thread does not hold corrupts the lock or releases someone else's critical section.");

        public static readonly DiagnosticDescriptor HeldAtExit = Rule(DiagnosticIds.HeldAtExit,
            "Lock state at exit does not match the method's contract",
            "'{0}' {1}",
            DiagnosticSeverity.Warning,
            "A lock acquired in a method is released on every path out of it, unless the method is declared [Acquires] it; a method declared [Requires] or [Acquires] a lock still holds it when it returns.");

        public static readonly DiagnosticDescriptor HeldOnOneBranch = Rule(DiagnosticIds.HeldOnOneBranch,
            "Lock held on one branch only at a join",
            "'{0}' is held {1} where the paths join (acquired at line {2})",
            DiagnosticSeverity.Warning,
            "Where control-flow paths meet, each lock must be held on all of them or on none; otherwise what follows runs sometimes with and sometimes without it.");

        public static readonly DiagnosticDescriptor LockOrder = Rule(DiagnosticIds.LockOrder,
            "Lock acquired against the declared order",
            "'{0}' must be acquired before '{1}', which is held since line {2}",
            DiagnosticSeverity.Warning,
            "Locks ranked by [Capability(Rank = …)] or ordered by [AcquiredBefore]/[AcquiredAfter] are taken in that order, so two threads can never wait for each other.");

        public static readonly DiagnosticDescriptor ExcludedLockHeld = Rule(DiagnosticIds.ExcludedLockHeld,
            "Call excludes a lock that is held",
            "Calling '{0}' while holding '{1}' (since line {2}): the callee takes it itself",
            DiagnosticSeverity.Warning,
            "The callee is annotated [Excludes]: it acquires the lock, so calling it with the lock held deadlocks.");

        public static readonly DiagnosticDescriptor SleepingUnderSpin = Rule(DiagnosticIds.SleepingUnderSpin,
            "Sleeping lock taken under a spinlock",
            "Sleeping lock '{0}' ({1}) taken {2} (since line {3})",
            DiagnosticSeverity.Warning,
            "A lock that may block the thread is not taken while a spinlock is held or inside an RCU read section: the holder of the spinlock would spin while the sleeper waits.");
    }
}
