using PtLock.Contracts;

namespace PtLock;

/// <summary>A userfaultfd event delivered instead of resolving a fault (handle_userfault).</summary>
public readonly record struct UffdEvent(ulong Address, bool WriteProtect);

/// <summary>
/// mm/userfaultfd.c and include/linux/mm_inline.h: write-protecting ranges and keeping the protection across
/// zap with pte markers (thread 002).
/// </summary>
public static class Userfaultfd
{
    /// <summary>The events delivered to userspace for <paramref name="mm"/> so far.</summary>
    public static IReadOnlyList<UffdEvent> Events(Mm mm)
    {
        ArgumentNullException.ThrowIfNull(mm);
        lock (mm.UffdEvents)
            return mm.UffdEvents.ToArray();
    }

    /// <summary>handle_userfault: queue the event; the faulting thread retries once userspace resolved it.</summary>
    [Kernel("handle_userfault")]
    public static VmFaultResult HandleUserfault(VmFault vmf, bool writeProtect)
    {
        ArgumentNullException.ThrowIfNull(vmf);
        lock (vmf.Mm.UffdEvents)
            vmf.Mm.UffdEvents.Add(new UffdEvent(vmf.Address, writeProtect));
        return VmFaultResult.Retry;
    }

    /// <summary>
    /// UFFDIO_WRITEPROTECT (mwriteprotect_range → change_pte_range): set or clear uffd-wp on every entry of
    /// [start, start+len) of a VMA registered for uffd-wp. Unpopulated entries of file-backed VMAs get a uffd-wp
    /// marker so the protection is not lost. Takes the mmap lock for read.
    /// </summary>
    [Kernel("mwriteprotect_range")]
    [MaySleep]
    public static int UffdioWriteprotect(Mm mm, ulong start, ulong len, bool enableWp)
    {
        ArgumentNullException.ThrowIfNull(mm);
        if (!Geometry.IsPageAligned(start) || !Geometry.IsPageAligned(len) || len == 0)
            throw new ArgumentException("the range must be page aligned and non-empty");
        int changed = 0;
        mm.MmapLock.DownRead();
        try
        {
            for (ulong addr = start; addr < start + len; addr += Geometry.PageSize)
            {
                var vma = mm.VmaLookup(addr);
                // hugetlb_change_protection is not modelled: refuse rather than put a PTE table in a hugetlb PMD slot.
                if (vma is { IsHugetlb: true })
                    throw new NotSupportedException($"UFFDIO_WRITEPROTECT on hugetlb {vma} (hugetlb_change_protection) is not modelled");
                if (vma is null || !vma.UserfaultfdWp)
                    return -Errno.ENOENT;
                var pmd = LinuxMm.PmdAllocWalk(mm, addr);
                if (pmd is null || LinuxMm.PteAlloc(mm, pmd))
                    return -Errno.ENOMEM;
                var pte = PgtableGeneric.PteOffsetMapLock(mm, pmd, addr, out var ptl);
                if (pte is null)
                    return -Errno.EAGAIN;
                var old = Pgtable.PtepGet(pte);
                bool none = Pgtable.PteNone(old);
                PteVal updated = old;
                if (old.IsPresent)
                    updated = enableWp ? Pgtable.PteMkuffdWp(old) : Pgtable.PteClearUffdWp(old);
                else if (none && enableWp && !vma.IsAnonymous)
                    updated = Pgtable.MakePteMarker(PteMarker.UffdWp);
                else if (old.IsUffdWpMarker && !enableWp)
                    updated = PteVal.Empty;
                if (!Pgtable.PteSame(updated, old))
                {
                    if (updated.IsNone)
                        Pgtable.PteClear(mm, addr, pte);
                    else
                        Pgtable.SetPteAt(mm, addr, pte, updated);
                    mm.Machine.CountTlbFlush();
                    changed++;
                }
                PgtableGeneric.PteUnmapUnlock(pte, ptl);
            }
        }
        finally
        {
            mm.MmapLock.UpRead();
        }
        return changed;
    }

    /// <summary>
    /// pte_install_uffd_wp_if_needed: after a file-backed entry carrying uffd-wp (present or swap form) was
    /// cleared, put a uffd-wp marker in its place so the protection survives. Needs the ptl; the entry must be
    /// none when called.
    /// </summary>
    [Kernel("pte_install_uffd_wp_if_needed")]
    [KeepsUffdWp]
    [Requires("PtepLockptr(vma.Mm, pte)")]
    public static bool PteInstallUffdWpIfNeeded(Vma vma, ulong addr, Pte pte, PteVal pteval)
    {
        ArgumentNullException.ThrowIfNull(vma);
        if (!Pgtable.PtepGet(pte).IsNone)
            throw new InvalidOperationException($"pte_install_uffd_wp_if_needed at {addr:x}: the entry must be cleared first");
        if (vma.IsAnonymous || !vma.UserfaultfdWp)
            return false;
        bool arm = pteval.IsPresent && pteval.IsUffdWp || !pteval.IsPresent && !pteval.IsNone && pteval.IsUffdWp || pteval.IsUffdWpMarker;
        if (!arm)
            return false;
        Pgtable.SetPteAt(vma.Mm, addr, pte, Pgtable.MakePteMarker(PteMarker.UffdWp));
        return true;
    }
}
