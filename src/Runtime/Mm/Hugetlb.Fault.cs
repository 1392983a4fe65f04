using PtLock.Contracts;

namespace PtLock;

/// <summary>hugetlb_fault and its helpers: the fix for thread 001 is the vma lock held across the whole window.</summary>
public static partial class Hugetlb
{
    /// <summary>vma_hugecache_offset: the page-cache index of the huge page at <paramref name="addr"/>, in huge pages.</summary>
    [Kernel("vma_hugecache_offset")]
    public static ulong VmaHugecacheOffset(Vma vma, ulong addr)
    {
        ArgumentNullException.ThrowIfNull(vma);
        const int order = Geometry.PmdShift - Geometry.PageShift;
        return ((addr - vma.Start) >> Geometry.PmdShift) + (vma.PgOff >> order);
    }

    /// <summary>hugetlb_fault_mutex_hash: the fault mutex that serialises faults on one page of one file.</summary>
    [Kernel("hugetlb_fault_mutex_hash")]
    public static RwSemaphore HugetlbFaultMutex(AddressSpace mapping, ulong idx)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        var table = mapping.Machine.HugetlbFaultMutexTable;
        // Deterministic (no object hash codes): a replayed schedule must take the same mutexes.
        ulong hash = ((idx + 1) * 0x9E3779B97F4A7C15UL) ^ ((ulong)mapping.Id * 0xC2B2AE3D27D4EB4FUL);
        return table[(int)(hash >> 32) & (table.Length - 1)];
    }

    /// <summary>
    /// hugetlb_fault: under the fault mutex and the hugetlb vma lock (read), find or allocate the entry, then
    /// either populate it (<see cref="HugetlbNoPage"/>) or, under the PMD table's lock and after rechecking the
    /// entry, handle write protection and update the access bits. The vma lock is held until the entry and its
    /// lock are no longer used, so huge_pmd_unshare cannot pull the PMD table away meanwhile (thread 001).
    /// </summary>
    [Kernel("hugetlb_fault")]
    [MaySleep]
    public static VmFaultResult HugetlbFault(Vma vma, ulong address, FaultFlags flags)
    {
        ArgumentNullException.ThrowIfNull(vma);
        var mm = vma.Mm;
        ulong haddr = address & HugePageMask;
        var mapping = vma.File ?? throw new ArgumentException($"hugetlb_fault on {vma}, which maps no hugetlbfs file", nameof(vma));
        // Bad input is refused before any lock is taken: an exception must not leave the fault mutex held.
        CheckHugeAddress(mm, vma, haddr, "hugetlb_fault");
        ulong idx = VmaHugecacheOffset(vma, haddr);
        bool write = (flags & FaultFlags.Write) != 0;

        var mutex = HugetlbFaultMutex(mapping, idx);
        mutex.DownWrite();
        HugetlbVmaLockRead(vma);
        var ptep = HugePteAlloc(mm, vma, haddr);
        if (ptep is null)
        {
            HugetlbVmaUnlockRead(vma);
            mutex.UpWrite();
            return VmFaultResult.Oom;
        }
        var entry = HugePtepGet(mm, haddr, ptep);
        if (Pgtable.PteNoneMostly(entry))
            return HugetlbNoPage(vma, mapping, idx, address, flags, ptep, entry, mutex);

        var ret = VmFaultResult.None;
        // Migration and hwpoison entries are not modelled: nothing else is non-present here.
        if (Pgtable.PtePresent(entry))
        {
            var ptl = HugePteLock(mm, ptep);
            if (Pgtable.PteSame(entry, HugePtepGet(mm, haddr, ptep)))
            {
                if (write && vma.UserfaultfdWp && Pgtable.PteUffdWp(entry))
                {
                    Spinlock.SpinUnlock(ptl);
                    HugetlbVmaUnlockRead(vma);
                    mutex.UpWrite();
                    return Userfaultfd.HandleUserfault(new VmFault(vma, address, flags), writeProtect: true);
                }
                if (write && !Pgtable.PteWrite(entry))
                    ret = HugetlbWp(vma, haddr, ptep, entry);
                else
                    HugePtepSetAccessFlags(vma, haddr, ptep, write ? Pgtable.PteMkyoung(Pgtable.PteMkdirty(entry)) : Pgtable.PteMkyoung(entry));
            }
            Spinlock.SpinUnlock(ptl);
        }
        HugetlbVmaUnlockRead(vma);
        mutex.UpWrite();
        return ret;
    }

    /// <summary>
    /// hugetlb_no_page: find the file's huge page (or allocate one: into the page cache for a shared mapping, as a
    /// new anonymous page for a private one), lock the entry, <b>recheck it is unchanged</b>, and map it. A private
    /// write to a page-cache page is then copied on write. Drops the vma lock and the fault mutex it was given.
    /// </summary>
    [Kernel("hugetlb_no_page")]
    [MaySleep]
    [ReleasesShared("vma.HugetlbVmaLock")]
    [Releases("mutex")]
    public static VmFaultResult HugetlbNoPage(Vma vma, AddressSpace mapping, ulong idx, ulong address, FaultFlags flags, Pte ptep, PteVal origPte, RwSemaphore mutex)
    {
        ArgumentNullException.ThrowIfNull(vma);
        ArgumentNullException.ThrowIfNull(mapping);
        ArgumentNullException.ThrowIfNull(mutex);
        var mm = vma.Mm;
        ulong haddr = address & HugePageMask;
        bool write = (flags & FaultFlags.Write) != 0;
        bool shared = (vma.Flags & VmFlags.MayShare) != 0;
        bool anon = false;
        Folio? folio = mapping.FindFolio(idx);
        if (folio is null)
        {
            if (!shared)
                vma.AnonVma ??= new object(); // vmf_anon_prepare
            folio = shared ? mapping.GetOrCreateFolio(idx) : Folio.Alloc(mm.Machine);
            anon = !shared;
        }
        if (folio is null)
        {
            HugetlbVmaUnlockRead(vma);
            mutex.UpWrite();
            return VmFaultResult.Oom;
        }
        if (!anon)
            folio.Get(); // the mapping's reference; the page cache keeps its own
        var ret = VmFaultResult.None;
        folio.Lock.DownWrite();
        var ptl = HugePteLock(mm, ptep);
        if (!Pgtable.PteSame(HugePtepGet(mm, haddr, ptep), origPte))
        {
            // Another fault of this mm (or of a sharer) mapped it first: back out.
            Spinlock.SpinUnlock(ptl);
            folio.Lock.UpWrite();
            folio.Put();
            HugetlbVmaUnlockRead(vma);
            mutex.UpWrite();
            return VmFaultResult.None;
        }
        if (anon)
            Rmap.FolioAddNewAnonRmap(folio, vma, haddr);
        else
            Rmap.FolioAddFileRmapPte(folio, vma);
        var entry = MakeHugePte(vma, folio, writable: anon || (vma.Flags & VmFlags.Shared) != 0);
        if (Pgtable.PteMarkerUffdWp(origPte))
            entry = PteMkhuge(Pgtable.PteMkuffdWp(entry));
        SetHugePteAt(mm, haddr, ptep, entry);
        mm.AddHugetlbUsage(PagesPerHugePage);
        // A uffd-wp entry is left read-only: the write faults again and reaches userspace (mainline returns early).
        if (write && !shared && !anon && !Pgtable.PteUffdWp(entry))
            ret = HugetlbWp(vma, haddr, ptep, entry);
        Spinlock.SpinUnlock(ptl);
        folio.Lock.UpWrite();
        HugetlbVmaUnlockRead(vma);
        mutex.UpWrite();
        return ret;
    }

    /// <summary>
    /// hugetlb_wp: a write to a read-only hugetlb entry. An exclusive anonymous page is reused; anything else is
    /// copied into a new anonymous page. The ptl is dropped to allocate and retaken; the entry is rechecked after.
    /// </summary>
    [Kernel("hugetlb_wp")]
    [Requires("PtepLockptr(vma.Mm, ptep)")]
    public static VmFaultResult HugetlbWp(Vma vma, ulong haddr, Pte ptep, PteVal origPte)
    {
        ArgumentNullException.ThrowIfNull(vma);
        var mm = vma.Mm;
        var ptl = HugePteLockptr(mm, ptep);
        if ((vma.Flags & VmFlags.Write) == 0)
            return VmFaultResult.Sigsegv;
        if (!mm.Machine.Memory.TryFrameOf(origPte.Pfn, out var frame) || frame.Folio is not { } oldFolio)
            throw new InvalidOperationException($"hugetlb_wp: {origPte} maps no folio");
        // A shared mapping is never copied: the write makes the entry writable (set_huge_ptep_writable).
        if ((vma.Flags & VmFlags.MayShare) != 0 || oldFolio.IsAnon && oldFolio.MapCount == 1 && oldFolio.RefCount == 1)
        {
            HugePtepSetAccessFlags(vma, haddr, ptep, Pgtable.PteMkyoung(Pgtable.PteMkdirty(Pgtable.PteMkwrite(origPte))));
            return VmFaultResult.None;
        }
        oldFolio.Get(); // kept while the ptl is dropped to allocate
        Spinlock.SpinUnlock(ptl);
        vma.AnonVma ??= new object(); // vmf_anon_prepare
        var copy = Folio.Alloc(mm.Machine);
        if (copy is not null)
            copy.Content = oldFolio.PageContent(origPte.Pfn); // copy_user_large_folio
        Spinlock.SpinLock(ptl);
        oldFolio.Put();
        if (copy is null)
            return VmFaultResult.Oom;
        if (!Pgtable.PteSame(HugePtepGet(mm, haddr, ptep), origPte))
        {
            copy.Put();
            return VmFaultResult.None;
        }
        HugePtepGetAndClear(mm, haddr, ptep); // huge_ptep_clear_flush
        mm.Machine.CountTlbFlush();
        Rmap.FolioRemoveRmapPte(oldFolio, vma);
        Rmap.FolioAddNewAnonRmap(copy, vma, haddr);
        SetHugePteAt(mm, haddr, ptep, MakeHugePte(vma, copy, writable: true));
        oldFolio.Put();
        return VmFaultResult.None;
    }
}
