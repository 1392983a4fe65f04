using PtLock.Contracts;

namespace PtLock;

/// <summary>
/// kernel/fork.c dup_mmap and mm/memory.c copy_page_range: the child gets a copy of every VMA and, where the
/// parent's pages cannot simply be faulted in again, of its page tables. Private writable pages become
/// copy-on-write in both (write-protected, the anonymous folio mapped twice).
/// </summary>
public static partial class Memory
{
    /// <summary>
    /// dup_mmap: fork <paramref name="parent"/>. Both mmap locks are held for write (the child's nested) while the
    /// VMAs and tables are copied. Userfaultfd registrations are not inherited (as without
    /// UFFD_FEATURE_EVENT_FORK): the child's VMAs lose VM_UFFD_WP, and with it the parent's markers and uffd-wp bits.
    /// Out of memory tears the half-built child down and throws <see cref="OutOfMemoryException"/>.
    /// </summary>
    [Kernel("dup_mmap")]
    [MaySleep]
    public static Mm DupMmap(Mm parent)
    {
        ArgumentNullException.ThrowIfNull(parent);
        parent.CheckAlive("fork");
        var child = new Mm(parent.Machine);
        bool failed = false;
        parent.MmapLock.DownWrite();
        try
        {
            parent.CheckAlive("fork");
            child.MmapLock.DownWriteNested(1);
            try
            {
                foreach (var vma in parent.Vmas)
                {
                    var copy = child.AddVmaCopy(vma, vma.Flags & ~(VmFlags.UffdWp | VmFlags.UffdMissing));
                    if (CopyPageRange(copy, vma) != 0)
                    {
                        failed = true;
                        break;
                    }
                }
            }
            finally
            {
                child.MmapLock.UpWrite();
            }
            parent.Machine.CountTlbFlush(); // flush_tlb_mm(oldmm): the parent's entries were write-protected
        }
        finally
        {
            parent.MmapLock.UpWrite();
        }
        if (failed)
        {
            ExitMmap(child);
            throw new OutOfMemoryException($"fork of mm{parent.Id}: no page frame left for the child's page tables");
        }
        return child;
    }

    /// <summary>is_cow_mapping: private and writable (VM_MAYWRITE; the Write bit counts when MayWrite is not given).</summary>
    [Kernel("is_cow_mapping")]
    public static bool IsCowMapping(VmFlags flags) =>
        (flags & VmFlags.Shared) == 0 && (flags & (VmFlags.MayWrite | VmFlags.Write)) != 0;

    /// <summary>
    /// vma_needs_copy: a mapping whose pages can all be faulted back in from the file (or are the zero page) need not
    /// be copied; anonymous pages and uffd-wp state must be.
    /// </summary>
    [Kernel("vma_needs_copy")]
    public static bool VmaNeedsCopy(Vma dst, Vma src)
    {
        ArgumentNullException.ThrowIfNull(dst);
        ArgumentNullException.ThrowIfNull(src);
        return dst.UserfaultfdWp || src.AnonVma is not null;
    }

    /// <summary>copy_page_range: 0, or -ENOMEM.</summary>
    [Kernel("copy_page_range")]
    public static int CopyPageRange(Vma dst, Vma src)
    {
        ArgumentNullException.ThrowIfNull(dst);
        ArgumentNullException.ThrowIfNull(src);
        if (!VmaNeedsCopy(dst, src))
            return 0;
        if (src.IsHugetlb)
            return Hugetlb.CopyHugetlbPageRange(dst, src);
        for (ulong addr = src.Start; addr < src.End;)
        {
            ulong next = Geometry.PmdAddrEnd(addr, src.End);
            var srcPmd = Rmap.MmFindPmd(src.Mm, addr);
            if (srcPmd is not null && Pgtable.PmdpGetLockless(srcPmd).IsTable)
            {
                var dstPmd = LinuxMm.PmdAllocWalk(dst.Mm, addr);
                if (dstPmd is null || CopyPteRange(dst, src, dstPmd, srcPmd, addr, next) != 0)
                    return -Errno.ENOMEM;
            }
            addr = next;
        }
        return 0;
    }

    /// <summary>
    /// copy_pte_range: the child's table mapped and locked, the parent's mapped with the rw variant and its lock
    /// taken nested (both are PTE-table locks; the PMD cannot change under the exclusive mmap lock). Present
    /// entries are duplicated (anonymous folios gain a mapping and a reference, and in a COW mapping both entries
    /// are write-protected); non-present ones are copied unless they are uffd-wp markers the child does not keep.
    /// </summary>
    [Kernel("copy_pte_range")]
    public static int CopyPteRange(Vma dst, Vma src, Pmd dstPmd, Pmd srcPmd, ulong addr, ulong end)
    {
        ArgumentNullException.ThrowIfNull(dst);
        ArgumentNullException.ThrowIfNull(src);
        var dstMm = dst.Mm;
        var srcMm = src.Mm;
        var dstPte = LinuxMm.PteAllocMapLock(dstMm, dstPmd, addr, out var dstPtl);
        if (dstPte is null)
            return -Errno.ENOMEM;
        var srcPte = PgtableGeneric.PteOffsetMapRwNolock(srcMm, srcPmd, addr, out _, out var srcPtl);
        if (srcPte is null)
        {
            PgtableGeneric.PteUnmapUnlock(dstPte, dstPtl);
            return 0;
        }
        // Tables of two different mms never share a lock (split or not); the comparison states it for the analysis.
        if (srcPtl != dstPtl)
            Spinlock.SpinLockNested(srcPtl, Spinlock.SingleDepthNesting);
        // The child's table is private to this fork (its mmap lock is held for write and it has no threads), so
        // the kernel writes it without rechecking; checking that it starts empty states the same fact.
        if (!Pgtable.PteNone(Pgtable.PtepGet(dstPte)))
        {
            if (srcPtl != dstPtl)
                Spinlock.SpinUnlock(srcPtl);
            PgtableGeneric.PteUnmap(srcPte);
            PgtableGeneric.PteUnmapUnlock(dstPte, dstPtl);
            throw new InvalidOperationException($"copy_pte_range: the child's page table at {addr:x} is not empty");
        }
        var origSrc = srcPte;
        var origDst = dstPte;
        bool cow = IsCowMapping(src.Flags);
        for (; addr < end; addr += Geometry.PageSize, srcPte++, dstPte++)
        {
            var ptent = Pgtable.PtepGet(srcPte);
            if (ptent.IsNone)
                continue;
            if (!ptent.IsPresent)
            {
                // copy_nonpresent_pte / copy_pte_marker: a uffd-wp marker only survives into a uffd-wp VMA.
                if (ptent.IsUffdWpMarker && !dst.UserfaultfdWp)
                    continue;
                var copied = dst.UserfaultfdWp ? ptent : Pgtable.PteSwpClearUffdWp(ptent);
                Pgtable.SetPteAt(dstMm, addr, dstPte, copied);
                continue;
            }
            var folio = VmNormalFolio(src, addr, ptent);
            if (folio is not null)
            {
                folio.Get();
                if (folio.IsAnon)
                    Rmap.FolioAddAnonRmapPte(folio, dst);
                else
                    Rmap.FolioAddFileRmapPte(folio, dst);
                dstMm.AddRss(folio.IsAnon, 1);
            }
            if (cow && ptent.IsWrite)
            {
                Pgtable.PtepSetWrprotect(srcMm, addr, srcPte);
                ptent = Pgtable.PteWrprotect(ptent);
            }
            if (!dst.UserfaultfdWp)
                ptent = Pgtable.PteClearUffdWp(ptent);
            Pgtable.SetPteAt(dstMm, addr, dstPte, Pgtable.PteMkold(ptent));
        }
        if (srcPtl != dstPtl)
            Spinlock.SpinUnlock(srcPtl);
        PgtableGeneric.PteUnmap(origSrc);
        PgtableGeneric.PteUnmapUnlock(origDst, dstPtl);
        return 0;
    }
}
