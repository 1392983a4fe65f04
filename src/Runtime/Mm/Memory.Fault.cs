using PtLock.Contracts;

namespace PtLock;

/// <summary>mm/memory.c: the anonymous fault path (handle_mm_fault → handle_pte_fault → do_anonymous_page / do_wp_page).</summary>
public static partial class Memory
{
    /// <summary>
    /// handle_mm_fault: resolve a fault at <paramref name="address"/> in <paramref name="vma"/>. The caller
    /// holds the mmap lock for read. Access the VMA does not allow yields <see cref="VmFaultResult.Sigsegv"/>.
    /// </summary>
    [Kernel("handle_mm_fault")]
    [RequiresShared("vma.Mm.MmapLock")]
    [MaySleep]
    public static VmFaultResult HandleMmFault(Vma vma, ulong address, FaultFlags flags)
    {
        ArgumentNullException.ThrowIfNull(vma);
        var mm = vma.Mm;
        mm.CheckAlive("handle_mm_fault");
        if (mm.Machine.Validate)
            mm.MmapLock.AssertHeld();
        if (!vma.Contains(address))
            return VmFaultResult.Sigsegv;
        bool write = (flags & FaultFlags.Write) != 0;
        if (write ? (vma.Flags & VmFlags.Write) == 0 : (vma.Flags & (VmFlags.Read | VmFlags.Write)) == 0)
            return VmFaultResult.Sigsegv;
        if (vma.IsHugetlb)
            return Hugetlb.HugetlbFault(vma, address, flags);
        var vmf = new VmFault(vma, address, flags);
        var pmd = LinuxMm.PmdAllocWalk(mm, vmf.Address);
        if (pmd is null)
            return VmFaultResult.Oom;
        vmf.Pmd = pmd;
        vmf.OrigPmd = Pgtable.PmdpGetLockless(pmd);
        if (Pgtable.PmdTransHuge(vmf.OrigPmd))
        {
            // The page is mapped by a PMD (do_set_pmd). Only shared or read-only file mappings get one here, so a
            // write that passed the VMA check finds it writable: huge_pmd_set_accessed has nothing to change.
            // wp_huge_pmd would split the PMD, which the simulator does not model.
            if (write && !vmf.OrigPmd.IsWrite)
                throw new InvalidOperationException($"a write to a read-only PMD mapping at {address:x} would need __split_huge_pmd, which is not modelled");
            return VmFaultResult.None;
        }
        return HandlePteFault(vmf);
    }

    /// <summary>handle_pte_fault: read the PTE locklessly, then dispatch; the handlers recheck it under the ptl.</summary>
    [Kernel("handle_pte_fault")]
    [MaySleep]
    public static VmFaultResult HandlePteFault(VmFault vmf)
    {
        ArgumentNullException.ThrowIfNull(vmf);
        var mm = vmf.Vma.Mm;
        if (Pgtable.PmdpGet(vmf.Pmd!).IsNone)
        {
            vmf.Pte = null;
            vmf.Flags &= ~FaultFlags.OrigPteValid;
        }
        else
        {
            // The rw variant: a changed non-none entry is caught by the pte_same below, so the PMD value
            // delivered here needs no recheck of its own.
            vmf.Pte = PgtableGeneric.PteOffsetMapRwNolock(mm, vmf.Pmd!, vmf.Address, out _, out var ptl);
            if (vmf.Pte is null)
                return VmFaultResult.None;
            vmf.Ptl = ptl;
            vmf.OrigPte = Pgtable.PtepGetLockless(vmf.Pte);
            vmf.Flags |= FaultFlags.OrigPteValid;
            if (vmf.OrigPte.IsNone)
            {
                PgtableGeneric.PteUnmap(vmf.Pte);
                vmf.Pte = null;
            }
        }

        if (vmf.Pte is null)
            return DoPteMissing(vmf);

        if (!vmf.OrigPte.IsPresent)
        {
            PgtableGeneric.PteUnmap(vmf.Pte);
            vmf.Pte = null;
            // handle_pte_marker: a uffd-wp marker faults like a missing entry, carrying the protection; a write
            // to a protected address is delivered to userspace first.
            if (vmf.OrigPte.IsUffdWpMarker)
            {
                if ((vmf.Flags & FaultFlags.Write) != 0 && vmf.Vma.UserfaultfdWp)
                    return Userfaultfd.HandleUserfault(vmf, writeProtect: true);
                return DoPteMissing(vmf);
            }
            return VmFaultResult.Sigbus;
        }

        // A write to an entry write-protected by userfaultfd goes to userspace (do_wp_page's userfaultfd_pte_wp).
        if ((vmf.Flags & FaultFlags.Write) != 0 && vmf.OrigPte.IsUffdWp && vmf.Vma.UserfaultfdWp)
        {
            PgtableGeneric.PteUnmap(vmf.Pte);
            vmf.Pte = null;
            return Userfaultfd.HandleUserfault(vmf, writeProtect: true);
        }

        Spinlock.SpinLock(vmf.Ptl!);
        var entry = vmf.OrigPte;
        if (!Pgtable.PteSame(Pgtable.PtepGet(vmf.Pte), entry))
        {
            PgtableGeneric.PteUnmapUnlock(vmf.Pte, vmf.Ptl!);
            return VmFaultResult.None;
        }
        if ((vmf.Flags & (FaultFlags.Write | FaultFlags.Unshare)) != 0)
        {
            if (!entry.IsWrite)
                return DoWpPage(vmf);
            if ((vmf.Flags & FaultFlags.Write) != 0)
                entry = Pgtable.PteMkdirty(entry);
        }
        entry = Pgtable.PteMkyoung(entry);
        PtepSetAccessFlags(vmf.Vma, vmf.Address, vmf.Pte, entry);
        PgtableGeneric.PteUnmapUnlock(vmf.Pte, vmf.Ptl!);
        return VmFaultResult.None;
    }

    /// <summary>do_pte_missing: an anonymous VMA allocates a page, a file VMA faults it in from the page cache.</summary>
    [Kernel("do_pte_missing")]
    [MaySleep]
    public static VmFaultResult DoPteMissing(VmFault vmf)
    {
        ArgumentNullException.ThrowIfNull(vmf);
        return vmf.Vma.IsAnonymous ? DoAnonymousPage(vmf) : DoFault(vmf);
    }

    /// <summary>
    /// do_fault (do_read_fault / do_shared_fault): find or create the page-cache folio and map it with
    /// finish_fault. A private write fault copies the file page into a new anonymous page first (do_cow_fault).
    /// </summary>
    [Kernel("do_fault")]
    [MaySleep]
    public static VmFaultResult DoFault(VmFault vmf)
    {
        ArgumentNullException.ThrowIfNull(vmf);
        var vma = vmf.Vma;
        if (vma.File is null)
            throw new ArgumentException("do_fault on an anonymous VMA", nameof(vmf));
        try
        {
            if ((vmf.Flags & FaultFlags.Write) != 0 && !vma.IsShared)
                return DoCowFault(vmf);
            // do_read_fault: map the cached neighbours first; if that mapped the faulting page, done.
            if ((vmf.Flags & FaultFlags.Write) == 0 && ShouldFaultAround(vmf))
            {
                var around = DoFaultAround(vmf);
                if (around != VmFaultResult.None)
                    return around;
            }
            var folio = vma.File.GetOrCreateFolio(vmf.Pgoff);
            if (folio is null)
                return VmFaultResult.Oom;
            // filemap_fault hands the folio over locked (VM_FAULT_LOCKED): collapse_file, holding it, cannot replace
            // it in the page cache while it is being mapped. If it was replaced before we got the lock: retry.
            folio.Lock.DownWrite();
            try
            {
                if (!vma.File.StillCaches(vmf.Pgoff, folio))
                    return VmFaultResult.Retry;
                folio.Get(); // the reference the mapping will hold
                return FinishFault(vmf, folio);
            }
            finally
            {
                folio.Lock.UpWrite();
            }
        }
        finally
        {
            // The preallocated table was not needed (someone else populated the PMD): free it.
            if (vmf.PreallocPte is { } unused)
            {
                vmf.PreallocPte = null;
                PgAlloc.PteFree(vma.Mm, unused);
            }
        }
    }

    /// <summary>
    /// do_cow_fault: a write to a private file mapping. Copy the file page into a new anonymous page
    /// (vmf->cow_page) and let finish_fault map the copy, writable; the file page stays in the page cache.
    /// </summary>
    [Kernel("do_cow_fault")]
    [MaySleep]
    public static VmFaultResult DoCowFault(VmFault vmf)
    {
        ArgumentNullException.ThrowIfNull(vmf);
        var vma = vmf.Vma;
        var file = vma.File ?? throw new ArgumentException("do_cow_fault on an anonymous VMA", nameof(vmf));
        vma.AnonVma ??= new object(); // anon_vma_prepare
        var cow = Folio.Alloc(vma.Mm.Machine);
        if (cow is null)
            return VmFaultResult.Oom;
        var page = file.GetOrCreateFolio(vmf.Pgoff);
        if (page is null)
        {
            cow.Put();
            return VmFaultResult.Oom;
        }
        // __do_fault: the file page locked and referenced while it is copied; replaced meanwhile (collapse_file): retry.
        page.Lock.DownWrite();
        if (!file.StillCaches(vmf.Pgoff, page))
        {
            page.Lock.UpWrite();
            cow.Put();
            return VmFaultResult.Retry;
        }
        page.Get();
        cow.Content = page.PageContent(page.NrPages == 1 ? page.Pfn : page.PfnOf(vmf.Pgoff)); // copy_user_highpage
        page.Lock.UpWrite();
        page.Put();
        // finish_fault drops the copy's reference itself when it does not map it.
        return FinishFault(vmf, cow);
    }

    /// <summary>
    /// finish_fault: map and lock the PTE, <b>re-check under the ptl that it is still what the fault saw</b>
    /// (thread 003), then install the folio (set_pte_range), carrying a uffd-wp marker's protection.
    /// </summary>
    [Kernel("finish_fault")]
    [MaySleep]
    public static VmFaultResult FinishFault(VmFault vmf, Folio folio)
    {
        ArgumentNullException.ThrowIfNull(vmf);
        ArgumentNullException.ThrowIfNull(folio);
        var vma = vmf.Vma;
        var mm = vma.Mm;
        // A private write fault maps the copy do_cow_fault made (vmf->cow_page): a new anonymous page, writable.
        bool cow = (vmf.Flags & FaultFlags.Write) != 0 && !vma.IsShared;
        if (!cow && folio.IsPmdMappable && Pgtable.PmdNone(Pgtable.PmdpGet(vmf.Pmd!)))
        {
            var mapped = DoSetPmd(vmf, folio);
            if (mapped != VmFaultResult.Fallback)
                return mapped;
        }
        if (vmf.PreallocPte is not null && Pgtable.PmdNone(Pgtable.PmdpGet(vmf.Pmd!)))
            PmdInstallPrealloc(vmf);
        else if (LinuxMm.PteAlloc(mm, vmf.Pmd!))
        {
            folio.Put();
            return VmFaultResult.Oom;
        }
        var pte = PgtableGeneric.PteOffsetMapLock(mm, vmf.Pmd!, vmf.Address, out var ptl);
        if (pte is null)
        {
            folio.Put();
            return VmFaultResult.None;
        }
        vmf.Pte = pte;
        vmf.Ptl = ptl;
        if (VmfPteChanged(vmf))
        {
            PgtableGeneric.PteUnmapUnlock(pte, ptl);
            folio.Put();
            return VmFaultResult.NoPage;
        }
        ulong pfn = cow || folio.NrPages == 1 ? folio.Pfn : folio.PfnOf(vmf.Pgoff);
        var entry = Pgtable.PteMkyoung(PteVal.FromPfn(pfn, vma.PageProt));
        if ((vmf.Flags & FaultFlags.Write) != 0)
            entry = Pgtable.PteMkdirty(entry);
        if (cow)
            entry = Pgtable.PteMkwrite(entry);
        if ((vmf.Flags & FaultFlags.OrigPteValid) != 0 && vmf.OrigPte.IsUffdWpMarker)
            entry = Pgtable.PteMkuffdWp(entry);
        if (cow)
            Rmap.FolioAddNewAnonRmap(folio, vma, vmf.Address);
        else
            Rmap.FolioAddFileRmapPte(folio, vma);
        mm.AddRss(anon: cow, 1);
        Pgtable.SetPteAt(mm, vmf.Address, pte, entry);
        PgtableGeneric.PteUnmapUnlock(pte, ptl);
        return VmFaultResult.None;
    }

    /// <summary>
    /// do_anonymous_page: allocate the table if needed, then a zeroed folio (or the zero page for reads),
    /// map and lock the PTE, and <b>recheck under the ptl that the entry is still none</b> before setting
    /// it: another thread may have faulted the same address meanwhile (thread 003).
    /// </summary>
    [Kernel("do_anonymous_page")]
    [MaySleep]
    public static VmFaultResult DoAnonymousPage(VmFault vmf)
    {
        ArgumentNullException.ThrowIfNull(vmf);
        var vma = vmf.Vma;
        var mm = vma.Mm;
        if (vma.IsShared)
            return VmFaultResult.Sigbus;
        if (LinuxMm.PteAlloc(mm, vmf.Pmd!))
            return VmFaultResult.Oom;

        Folio? folio = null;
        PteVal entry;
        if ((vmf.Flags & FaultFlags.Write) == 0)
        {
            entry = Pgtable.PteMkspecial(PteVal.FromPfn(ZeroPfn, vma.PageProt));
        }
        else
        {
            vma.AnonVma ??= new object();
            folio = Folio.Alloc(mm.Machine);
            if (folio is null)
                return VmFaultResult.Oom;
            entry = Pgtable.PteMkyoung(PteVal.FromPfn(folio.Pfn, vma.PageProt));
            if ((vma.Flags & VmFlags.Write) != 0)
                entry = Pgtable.PteMkwrite(Pgtable.PteMkdirty(entry));
        }

        var pte = PgtableGeneric.PteOffsetMapLock(mm, vmf.Pmd!, vmf.Address, out var ptl);
        if (pte is null)
        {
            folio?.Put();
            return VmFaultResult.None;
        }
        vmf.Pte = pte;
        vmf.Ptl = ptl;
        if (VmfPteChanged(vmf))
        {
            PgtableGeneric.PteUnmapUnlock(pte, ptl);
            folio?.Put();
            return VmFaultResult.None;
        }
        if (folio is not null)
        {
            mm.AddRss(anon: true, 1);
            Rmap.FolioAddNewAnonRmap(folio, vma, vmf.Address);
        }
        if ((vmf.Flags & FaultFlags.OrigPteValid) != 0 && vmf.OrigPte.IsUffdWpMarker)
            entry = Pgtable.PteMkuffdWp(entry);
        Pgtable.SetPteAt(mm, vmf.Address, pte, entry);
        PgtableGeneric.PteUnmapUnlock(pte, ptl);
        return VmFaultResult.None;
    }

    /// <summary>vmf_pte_changed: the recheck under the ptl (pte_same against orig_pte, or pte_none).</summary>
    [Kernel("vmf_pte_changed")]
    [Recheck("pte", UnchangedWhen = false)]
    public static bool VmfPteChanged(VmFault vmf)
    {
        ArgumentNullException.ThrowIfNull(vmf);
        var current = Pgtable.PtepGet(vmf.Pte!);
        if ((vmf.Flags & FaultFlags.OrigPteValid) != 0)
            return !Pgtable.PteSame(current, vmf.OrigPte);
        return !current.IsNone;
    }

    /// <summary>
    /// do_wp_page (anonymous): reuse the page if this mapping is its only user, otherwise copy it
    /// (wp_page_copy). Entered with the ptl held and the PTE mapped; returns with both released.
    /// </summary>
    [Kernel("do_wp_page")]
    [Releases("vmf.Ptl", "Rcu.Global")]
    public static VmFaultResult DoWpPage(VmFault vmf)
    {
        ArgumentNullException.ThrowIfNull(vmf);
        var vma = vmf.Vma;
        var mm = vma.Mm;
        var pte = vmf.Pte!;
        var ptl = vmf.Ptl!;
        var orig = vmf.OrigPte;
        var memory = mm.Machine.Memory;
        var oldFolio = orig.Pfn != ZeroPfn && memory.TryFrameOf(orig.Pfn, out var frame) ? frame.Folio : null;

        if (oldFolio is { IsAnon: true, MapCount: 1, RefCount: 1 })
        {
            // wp_page_reuse: nobody else can see this page.
            var reused = Pgtable.PteMkwrite(Pgtable.PteMkdirty(Pgtable.PteMkyoung(orig)));
            PtepSetAccessFlags(vma, vmf.Address, pte, reused);
            PgtableGeneric.PteUnmapUnlock(pte, ptl);
            return VmFaultResult.None;
        }

        // wp_page_copy: drop the lock to allocate, then recheck the entry before replacing it.
        oldFolio?.Get();
        PgtableGeneric.PteUnmapUnlock(pte, ptl);
        var newFolio = Folio.Alloc(mm.Machine);
        if (newFolio is null)
        {
            oldFolio?.Put();
            return VmFaultResult.Oom;
        }
        newFolio.Content = oldFolio?.PageContent(orig.Pfn) ?? 0;
        vma.AnonVma ??= new object();

        pte = PgtableGeneric.PteOffsetMapLock(mm, vmf.Pmd!, vmf.Address, out ptl)!;
        if (pte is null || !Pgtable.PteSame(Pgtable.PtepGet(pte), orig))
        {
            if (pte is not null)
                PgtableGeneric.PteUnmapUnlock(pte, ptl);
            newFolio.Put();
            oldFolio?.Put();
            return VmFaultResult.None;
        }
        var entry = Pgtable.PteMkwrite(Pgtable.PteMkdirty(Pgtable.PteMkyoung(PteVal.FromPfn(newFolio.Pfn, vma.PageProt))));
        var cleared = Pgtable.PtepGetAndClear(mm, vmf.Address, pte);
        mm.Machine.CountTlbFlush();
        if (oldFolio is not null)
            Rmap.FolioRemoveRmapPte(oldFolio, vma);
        else
            mm.AddRss(anon: true, 1);
        Rmap.FolioAddNewAnonRmap(newFolio, vma, vmf.Address);
        Pgtable.SetPteAt(mm, vmf.Address, pte, entry);
        PgtableGeneric.PteUnmapUnlock(pte, ptl);
        _ = cleared;
        if (oldFolio is not null)
        {
            oldFolio.Put(); // the reference taken above
            oldFolio.Put(); // the mapping's reference
        }
        return VmFaultResult.DoneCow;
    }

    /// <summary>ptep_set_access_flags: relax A/D/W bits of a present entry in place (same pfn). Needs the ptl.</summary>
    [Kernel("ptep_set_access_flags")]
    [EntryWrite("pte")]
    [Requires("PtepLockptr(vma.Mm, pte)")]
    public static bool PtepSetAccessFlags(Vma vma, ulong address, Pte pte, PteVal entry)
    {
        ArgumentNullException.ThrowIfNull(vma);
        var current = Pgtable.PtepGet(pte);
        if (current.Raw == entry.Raw)
            return false;
        Pgtable.SetPteAt(vma.Mm, address, pte, entry);
        return true;
    }

    /// <summary>my_zero_pfn: the shared zero page (pfn 0, never allocated).</summary>
    public const ulong ZeroPfn = 0;
}
