using PtLock.Contracts;

namespace PtLock;

/// <summary>
/// mm/hugetlb.c: PMD-sized (2 MiB) huge pages mapped by leaf entries in PMD tables, and PMD table sharing
/// between mms that map the same hugetlbfs file at the same PUD-aligned offsets. A hugetlb <c>pte_t *</c> is a
/// <see cref="Pte"/> that points into a PMD table. Because another mm may unshare such a table, and its last
/// user free it, the pointer is valid only while the hugetlb vma lock (or i_mmap_rwsem) is held (thread 001).
/// </summary>
public static partial class Hugetlb
{
    /// <summary>huge_page_size(h) for the default hstate.</summary>
    public const ulong HugePageSize = Geometry.PmdSize;

    /// <summary>huge_page_mask(h).</summary>
    public const ulong HugePageMask = Geometry.PmdMask;

    /// <summary>pages_per_huge_page(h).</summary>
    public const int PagesPerHugePage = Geometry.PtrsPerPte;

    /// <summary>hugetlb_vma_lock_read: no-op for a VMA that cannot share PMDs.</summary>
    [Kernel("hugetlb_vma_lock_read")]
    [NoLockAnalysis("a VMA that cannot share PMDs has no vma lock: the operation is then a no-op")]
    [AcquiresShared("vma.HugetlbVmaLock")]
    [MaySleep]
    public static void HugetlbVmaLockRead(Vma vma)
    {
        ArgumentNullException.ThrowIfNull(vma);
        vma.HugetlbVmaLock?.DownRead();
    }

    [Kernel("hugetlb_vma_unlock_read")]
    [NoLockAnalysis("a VMA that cannot share PMDs has no vma lock: the operation is then a no-op")]
    [ReleasesShared("vma.HugetlbVmaLock")]
    public static void HugetlbVmaUnlockRead(Vma vma)
    {
        ArgumentNullException.ThrowIfNull(vma);
        vma.HugetlbVmaLock?.UpRead();
    }

    [Kernel("hugetlb_vma_lock_write")]
    [NoLockAnalysis("a VMA that cannot share PMDs has no vma lock: the operation is then a no-op")]
    [Acquires("vma.HugetlbVmaLock")]
    [MaySleep]
    public static void HugetlbVmaLockWrite(Vma vma)
    {
        ArgumentNullException.ThrowIfNull(vma);
        vma.HugetlbVmaLock?.DownWrite();
    }

    [Kernel("hugetlb_vma_unlock_write")]
    [NoLockAnalysis("a VMA that cannot share PMDs has no vma lock: the operation is then a no-op")]
    [Releases("vma.HugetlbVmaLock")]
    public static void HugetlbVmaUnlockWrite(Vma vma)
    {
        ArgumentNullException.ThrowIfNull(vma);
        vma.HugetlbVmaLock?.UpWrite();
    }

    /// <summary>
    /// vma_shareable: a VMA may share the PMD table covering <paramref name="addr"/> when it is MAP_SHARED, still
    /// has its vma lock, and covers the whole PUD-aligned gigabyte around the address.
    /// </summary>
    [Kernel("vma_shareable")]
    public static bool VmaShareable(Vma vma, ulong addr)
    {
        ArgumentNullException.ThrowIfNull(vma);
        ulong start = addr & Geometry.PudMask;
        ulong end = start + Geometry.PudSize;
        if ((vma.Flags & VmFlags.MayShare) == 0 || vma.HugetlbVmaLock is null || vma.HugetlbVmaLockFreed)
            return false;
        return start >= vma.Start && end <= vma.End;
    }

    /// <summary>want_pmd_share: also refused for uffd-wp VMAs, whose per-mm markers must not be shared (uffd_disable_huge_pmd_share).</summary>
    [Kernel("want_pmd_share")]
    public static bool WantPmdShare(Vma vma, ulong addr)
    {
        ArgumentNullException.ThrowIfNull(vma);
        return !vma.UserfaultfdWp && VmaShareable(vma, addr);
    }

    /// <summary>
    /// page_table_shareable: the address in <paramref name="svma"/> that maps file page <paramref name="idx"/>, if
    /// its PMD table could serve <paramref name="vma"/> too (same PMD index, same flags, the whole gigabyte, a
    /// vma lock), else 0.
    /// </summary>
    [Kernel("page_table_shareable")]
    internal static ulong PageTableShareable(Vma svma, Vma vma, ulong addr, ulong idx)
    {
        ulong spages = (svma.End - svma.Start) >> Geometry.PageShift;
        if (idx < svma.PgOff || idx - svma.PgOff >= spages)
            return 0; // the interval tree would not have returned this VMA
        ulong saddr = ((idx - svma.PgOff) << Geometry.PageShift) + svma.Start;
        ulong sbase = saddr & Geometry.PudMask;
        ulong send = sbase + Geometry.PudSize;
        if (Geometry.PmdIndex(addr) != Geometry.PmdIndex(saddr) || vma.Flags != svma.Flags
            || sbase < svma.Start || send > svma.End || svma.HugetlbVmaLock is null || svma.HugetlbVmaLockFreed)
            return 0;
        return saddr;
    }

    /// <summary>
    /// huge_pte_alloc: the hugetlb <c>pte_t *</c> (a PMD slot) for <paramref name="addr"/>, allocating the upper
    /// tables and sharing another mm's PMD table where possible; null when out of memory. For a VMA that may
    /// share, the result stays valid only while the hugetlb vma lock (or i_mmap_rwsem) is held.
    /// </summary>
    [Kernel("huge_pte_alloc")]
    [Fallible]
    [MaySleep]
    [ValidWhileHeld("vma.HugetlbVmaLock", "vma.File.IMmapRwsem")]
    public static Pte? HugePteAlloc(Mm mm, Vma vma, ulong addr)
    {
        CheckHugeAddress(mm, vma, addr, "huge_pte_alloc");
        AssertWindowCovered(vma, "huge_pte_alloc");
        var pgd = Pgtable.PgdOffset(mm, addr);
        var p4d = LinuxMm.P4dAlloc(mm, pgd, addr);
        if (p4d is null)
            return null;
        var pud = LinuxMm.PudAlloc(mm, p4d, addr);
        if (pud is null)
            return null;
        var pmd = WantPmdShare(vma, addr) && Pgtable.PudNone(Pgtable.PudpGet(pud))
            ? HugePmdShare(mm, vma, addr, pud)
            : LinuxMm.PmdAlloc(mm, pud, addr);
        return pmd is null ? null : PteOfPmdSlot(pmd);
    }

    /// <summary>
    /// hugetlb_walk: the hugetlb <c>pte_t *</c> for <paramref name="addr"/> if its PMD table exists, else null.
    /// Asserts, as mainline's lockdep check does, that a shareable VMA's vma lock or i_mmap_rwsem is held.
    /// </summary>
    [Kernel("hugetlb_walk")]
    [Fallible]
    [ValidWhileHeld("vma.HugetlbVmaLock", "vma.File.IMmapRwsem")]
    public static Pte? HugetlbWalk(Vma vma, ulong addr)
    {
        ArgumentNullException.ThrowIfNull(vma);
        CheckHugeAddress(vma.Mm, vma, addr, "hugetlb_walk");
        AssertWindowCovered(vma, "hugetlb_walk");
        return HugePteOffset(vma.Mm, addr);
    }

    /// <summary>huge_pte_offset: walk without allocating; null where a level is missing.</summary>
    [Kernel("huge_pte_offset")]
    internal static Pte? HugePteOffset(Mm mm, ulong addr)
    {
        var pgd = Pgtable.PgdOffset(mm, addr);
        if (mm.Levels == 5 && Pgtable.PgdNone(Pgtable.PgdpGet(pgd)))
            return null;
        var p4d = Pgtable.P4dOffset(pgd, addr);
        if (Pgtable.P4dNone(Pgtable.P4dpGet(p4d)))
            return null;
        var pud = Pgtable.PudOffset(p4d, addr);
        if (Pgtable.PudNone(Pgtable.PudpGet(pud)))
            return null;
        return PteOfPmdSlot(Pgtable.PmdOffset(pud, addr));
    }

    /// <summary>
    /// huge_pmd_share: under i_mmap_rwsem, look for another VMA of the file whose PMD table could serve this
    /// address; take a share count on it and point this mm's PUD at it (under mm->page_table_lock), then return
    /// the PMD slot, allocating a private table if nothing could be shared.
    /// </summary>
    [Kernel("huge_pmd_share")]
    [MaySleep]
    public static Pmd? HugePmdShare(Mm mm, Vma vma, ulong addr, Pud pud)
    {
        ArgumentNullException.ThrowIfNull(vma);
        ArgumentNullException.ThrowIfNull(pud);
        var mapping = vma.File ?? throw new ArgumentException($"huge_pmd_share on {vma}, which maps no file", nameof(vma));
        ulong idx = vma.LinearPageIndex(addr);
        mapping.IMmapRwsem.DownRead();
        try
        {
            PageFrame? shared = null;
            foreach (var svma in mapping.Mappings)
            {
                if (svma == vma)
                    continue;
                ulong saddr = PageTableShareable(svma, vma, addr, idx);
                if (saddr == 0)
                    continue;
                if (HugePteOffset(svma.Mm, saddr) is { } spte)
                {
                    // ptdesc_pmd_pts_inc: counted before this mm points at it, so an unshare cannot free it meanwhile.
                    Interlocked.Increment(ref spte.Frame.ShareCount);
                    spte.Frame.EverShared = true;
                    shared = spte.Frame;
                    break;
                }
            }
            if (shared is not null)
            {
                var ptl = LinuxMm.PudLock(mm, pud);
                try
                {
                    if (Pgtable.PudNone(Pgtable.PudpGet(pud)))
                    {
                        SchedPoint.Point(SchedPointKind.EntryWrite, pud);
                        pud.Store(UpperVal.Table(shared.Pfn).Raw); // pud_populate
                        mm.AddNrPmds(1);
                    }
                    else
                    {
                        Interlocked.Decrement(ref shared.ShareCount); // another thread of this mm populated it first
                    }
                }
                finally
                {
                    Spinlock.SpinUnlock(ptl);
                }
            }
            return LinuxMm.PmdAlloc(mm, pud, addr);
        }
        finally
        {
            mapping.IMmapRwsem.UpRead();
        }
    }

    /// <summary>
    /// huge_pmd_unshare: if this mm's PMD table at <paramref name="addr"/> is shared, drop this mm's reference
    /// (clear its PUD) and return true: the entries stay with the other users. Needs i_mmap_rwsem and the vma
    /// lock for write and the table's lock.
    /// </summary>
    [Kernel("huge_pmd_unshare")]
    [Requires("vma.File.IMmapRwsem")]
    [Requires("vma.HugetlbVmaLock")]
    public static bool HugePmdUnshare(MmuGather tlb, Vma vma, ulong addr, Pte ptep)
    {
        ArgumentNullException.ThrowIfNull(tlb);
        ArgumentNullException.ThrowIfNull(vma);
        ArgumentNullException.ThrowIfNull(ptep);
        var mm = vma.Mm;
        CheckHugeAddress(mm, vma, addr, "huge_pmd_unshare");
        CheckPmdSlot(ptep, addr, "huge_pmd_unshare");
        if (mm.Machine.Validate)
        {
            if (vma.File is { } file && !file.IMmapRwsem.IsWriteHeldByCurrentThread)
                throw new PtLockViolationException(RuleIds.RequiresLockNotHeld, $"huge_pmd_unshare({vma}) without i_mmap_rwsem held for write");
            if (vma.HugetlbVmaLock is { } vmaLock && !vmaLock.IsWriteHeldByCurrentThread)
                throw new PtLockViolationException(RuleIds.RequiresLockNotHeld, $"huge_pmd_unshare({vma}) without the hugetlb vma lock held for write");
            if (!LinuxMm.PtepLockptr(mm, ptep).IsHeldByCurrentThread)
                throw new PtLockViolationException(RuleIds.RequiresLockNotHeld, $"huge_pmd_unshare({ptep}) without the page table's lock");
        }
        if (Volatile.Read(ref ptep.Frame.ShareCount) == 0)
            return false;
        var pud = Pgtable.PudOffset(Pgtable.P4dOffset(Pgtable.PgdOffset(mm, addr), addr), addr);
        var current = Pgtable.PudpGet(pud);
        if (current.Pfn != ptep.Frame.Pfn)
            throw new ArgumentException($"huge_pmd_unshare: {ptep} is not the PMD table mm{mm.Id} maps at {addr:x} ({current})", nameof(ptep));
        SchedPoint.Point(SchedPointKind.EntryWrite, pud);
        pud.Store(0); // pud_clear
        if (ReferenceEquals(ptep.Frame.InstalledIn, pud))
            ptep.Frame.InstalledIn = null;
        Interlocked.Decrement(ref ptep.Frame.ShareCount); // ptdesc_pmd_pts_dec
        mm.AddNrPmds(-1);
        mm.Machine.CountTlbFlush(); // tlb_flush_pmd_range: this mm must stop using the shared entries now
        return true;
    }

    /// <summary>huge_pte_lockptr: for PMD-sized pages the PMD table's lock, the one core-mm walkers take (HUGE-02).</summary>
    [Kernel("huge_pte_lockptr")]
    [ReturnsCapability("PtepLockptr(mm, ptep)")]
    public static Ptl HugePteLockptr(Mm mm, Pte ptep)
    {
        ArgumentNullException.ThrowIfNull(ptep);
        return LinuxMm.PtepLockptr(mm, ptep);
    }

    /// <summary>huge_pte_lock: take and return <see cref="HugePteLockptr"/>.</summary>
    [Kernel("huge_pte_lock")]
    [Acquires("return")]
    [ReturnsCapability("PtepLockptr(mm, ptep)")]
    public static Ptl HugePteLock(Mm mm, Pte ptep)
    {
        var ptl = HugePteLockptr(mm, ptep);
        ptl.Lock(0);
        return ptl;
    }

    /// <summary>The hugetlb <c>pte_t *</c> view of a PMD slot: <c>(pte_t *)pmd</c>.</summary>
    private static Pte PteOfPmdSlot(Pmd pmd) => Pte.At(pmd.Frame, pmd.Generation, pmd.Index);

    private static void CheckHugeAddress(Mm mm, Vma vma, ulong addr, string op)
    {
        ArgumentNullException.ThrowIfNull(mm);
        ArgumentNullException.ThrowIfNull(vma);
        mm.CheckAlive(op);
        if (vma.Mm != mm)
            throw new ArgumentException($"{op}: {vma} belongs to mm{vma.Mm.Id}, not mm{mm.Id}", nameof(vma));
        if (!vma.IsHugetlb)
            throw new ArgumentException($"{op} on {vma}, which is not a hugetlb VMA", nameof(vma));
        if ((addr & ~HugePageMask) != 0 || !vma.Contains(addr))
            throw new ArgumentOutOfRangeException(nameof(addr), $"{op}: {addr:x} is not a huge-page aligned address inside {vma}");
    }

    private static void CheckPmdSlot(Pte ptep, ulong addr, string op)
    {
        if (ptep.Frame.Kind != FrameKind.PmdTable && ptep.IsLive)
            throw new ArgumentException($"{op}: {ptep} points into a {ptep.Frame.Kind}, not a PMD table (not a hugetlb pte_t *)", nameof(ptep));
        if (Geometry.PmdIndex(addr) != ptep.Index)
            throw new ArgumentException($"{op}: address {addr:x} is PMD entry {Geometry.PmdIndex(addr)}, but the pointer is {ptep}", nameof(addr));
    }

    /// <summary>The lockdep assertion of hugetlb_walk, applied to huge_pte_alloc too.</summary>
    private static void AssertWindowCovered(Vma vma, string op)
    {
        if (!vma.Mm.Machine.Validate || vma.HugetlbVmaLock is not { } vmaLock || (vma.Flags & VmFlags.MayShare) == 0)
            return;
        if (vmaLock.IsHeldByCurrentThread || vma.File?.IMmapRwsem.IsHeldByCurrentThread == true)
            return;
        throw new PtLockViolationException(RuleIds.HugetlbWindowUnlocked,
            $"{op}({vma}) without the hugetlb vma lock or i_mmap_rwsem: another mm may unshare the PMD table and its page be reused before the pte_t * is used");
    }
}
