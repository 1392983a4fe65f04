namespace PtLock;

/// <summary>
/// A lockdep class: locks of one class share an order rank and the "recursive locking" check. Ranks
/// follow the order documented in mm/rmap.c and mm/hugetlb.c: mmap_lock, hugetlb vma lock, folio lock,
/// i_mmap_rwsem, then the page-table spinlocks (PMD level before PTE level).
/// </summary>
public sealed class LockClass
{
    private LockClass(string name, string key, int rank, bool sleeps)
    {
        Name = name;
        Key = key;
        Rank = rank;
        Sleeps = sleeps;
    }

    public string Name { get; }

    /// <summary>The lockdep key: split PMD and PTE ptlocks share "ptlock", which is why holding both needs spin_lock_nested.</summary>
    public string Key { get; }

    public int Rank { get; }
    public bool Sleeps { get; }

    /// <summary>Several locks of this class may be held at once without a nesting annotation.</summary>
    public bool NestsFreely { get; private init; }

    public static readonly LockClass MmapLock = new("mmap_lock", "mmap_lock", 10, sleeps: true);
    /// <summary>hugetlb_fault_mutex_table[hash]: serialises faults on one hugetlbfs page (taken before the vma lock).</summary>
    public static readonly LockClass HugetlbFaultMutex = new("hugetlb_fault_mutex", "hugetlb_fault_mutex", 15, sleeps: true);
    public static readonly LockClass HugetlbVmaLock = new("hugetlb_vma_lock", "hugetlb_vma_lock", 20, sleeps: true);
    /// <summary>
    /// PG_locked is a bit lock lockdep does not track: code that holds several (collapse_file, migration) orders
    /// them itself, so holding two is not reported as recursive locking.
    /// </summary>
    public static readonly LockClass FolioLock = new("folio_lock", "folio_lock", 30, sleeps: true) { NestsFreely = true };
    public static readonly LockClass IMmapRwsem = new("i_mmap_rwsem", "i_mmap_rwsem", 40, sleeps: true);
    public static readonly LockClass PageTableLock = new("mm->page_table_lock", "page_table_lock", 50, sleeps: false);
    public static readonly LockClass PmdPtlock = new("ptlock (PMD table)", "ptlock", 50, sleeps: false);
    public static readonly LockClass PtePtlock = new("ptlock (PTE table)", "ptlock", 60, sleeps: false);

    /// <summary>A class for a user's own lock, ranked among the kernel's.</summary>
    public static LockClass Custom(string name, int rank, bool sleeps) => new(name, name, rank, sleeps);

    public override string ToString() => Name;
}
