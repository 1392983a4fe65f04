using System;

namespace PtLock.Contracts
{
    // Page-table facts beyond Clang's vocabulary: fallible lookups, mapped tables, value freshness,
    // entry writes and how tables are freed.

    /// <summary>May return null when it loses a race (the kernel returns NULL); callers must check.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class FallibleAttribute : Attribute
    {
    }

    /// <summary>On success the result is a mapped PTE table pointer that must be unmapped exactly once.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class MapsPteAttribute : Attribute
    {
        /// <summary>The mapping is read-only: no entry may be written through it (pte_offset_map_ro_nolock).</summary>
        public bool ReadOnly { get; set; }

        /// <summary>The caller must revalidate (PmdSame / non-none PteSame) after taking the delivered lock.</summary>
        public bool NeedsRevalidation { get; set; }
    }

    /// <summary>Unmaps the PTE table mapped through the named parameter.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class UnmapsPteAttribute : Attribute
    {
        public UnmapsPteAttribute(string pte) => Pte = pte;
        public string Pte { get; }
    }

    /// <summary>The result is a lockless snapshot: stale after any later acquisition until rechecked.</summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.ReturnValue | AttributeTargets.Parameter)]
    public sealed class LocklessSnapshotAttribute : Attribute
    {
    }

    /// <summary>Compares a snapshot or entry against the current value (pmd_same, pte_same, pte_none on a fresh read).</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class RecheckAttribute : Attribute
    {
        /// <summary>
        /// What the recheck covers: "pmd" (pmd_same, check_pmd_state), "pte" (pte_same against a value read earlier),
        /// or "pte-none"/"pmd-none" (the entry is still none: enough before installing, not enough to prove a
        /// table is still installed).
        /// </summary>
        public RecheckAttribute(string level) => Level = level;
        public string Level { get; }

        /// <summary>
        /// The result that means "unchanged" (true for pte_same/pmd_same, false for vmf_pte_changed). When set,
        /// the recheck covers only the branch where it passed; unset, it covers the code after the call whatever
        /// the result (pte_none: either answer is a fresh reading under the lock).
        /// </summary>
        public bool UnchangedWhen { get; set; }
    }

    /// <summary>Writes a page-table entry through the named pointer: needs a recheck since its lock was taken.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class EntryWriteAttribute : Attribute
    {
        /// <param name="target">The parameter naming the entry written ("pte", "pmd").</param>
        public EntryWriteAttribute(string target) => Target = target;
        public string Target { get; }
    }

    /// <summary>
    /// Dereferences the entry the named pointer points to (pte_lockptr(mm, pmd) reads *pmd): the entry must be
    /// stable, i.e. its lock (the lock expression) held and the entry rechecked under it since it was taken.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class RequiresStableAttribute : Attribute
    {
        public RequiresStableAttribute(string entry, string @lock)
        {
            Entry = entry;
            Lock = @lock;
        }

        public string Entry { get; }
        public string Lock { get; }
    }

    /// <summary>
    /// On a method: it returns a table that is (or was) installed in a PMD (pmd_pgtable). On a parameter: the call
    /// installs that table (pmd_populate). Lockless walkers may hold such a table: it is freed only via RCU.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Parameter)]
    public sealed class PublishedTableAttribute : Attribute
    {
    }

    /// <summary>
    /// The result points into the same table as the named parameter (pte pointer arithmetic: <c>pte + 1</c>,
    /// <c>pte++</c>): for the analysis it names the same table, with the same lock and the same mapping.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class SameTableAsAttribute : Attribute
    {
        public SameTableAsAttribute(string parameter) => Parameter = parameter;
        public string Parameter { get; }
    }

    /// <summary>
    /// The result (a hugetlb <c>pte_t *</c> from huge_pte_alloc or hugetlb_walk) is valid only while one of the named
    /// sleeping locks is held (shared or exclusive): one must be held at the call and stay held until the last use
    /// of the result and of any lock taken through it. Once released, another mm may unshare the PMD table the
    /// pointer points into and its page may be freed and reused (thread 001).
    /// </summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class ValidWhileHeldAttribute : Attribute
    {
        public ValidWhileHeldAttribute(params string[] locks) => Locks = locks;
        public string[] Locks { get; }
    }

    /// <summary>A zap path (zap_pte_range and its kin): entries it clears in file-backed VMAs keep their uffd-wp as a marker.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class ZapPathAttribute : Attribute
    {
    }

    /// <summary>Clears a page-table entry (ptep_get_and_clear, pte_clear): in a zap path the old value may carry uffd-wp.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class ClearsEntryAttribute : Attribute
    {
    }

    /// <summary>Re-installs uffd-wp as a marker for a cleared entry when needed (pte_install_uffd_wp_if_needed).</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class KeepsUffdWpAttribute : Attribute
    {
    }

    /// <summary>Frees a page table at once: legal only for a table never published in a PMD.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class FreesTableNowAttribute : Attribute
    {
        public FreesTableNowAttribute(string table) => Table = table;
        public string Table { get; }
    }

    /// <summary>Frees a page table after an RCU grace period (lockless walkers may still hold it).</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class FreesTableDeferredAttribute : Attribute
    {
        public FreesTableDeferredAttribute(string table) => Table = table;
        public string Table { get; }
    }

    /// <summary>The method may sleep: not under a spinlock, not in an RCU read section.</summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor)]
    public sealed class MaySleepAttribute : Attribute
    {
    }

    /// <summary>Names the kernel function a member models, for messages and documentation.</summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false)]
    public sealed class KernelAttribute : Attribute
    {
        public KernelAttribute(string name) => Name = name;
        public string Name { get; }
    }
}
