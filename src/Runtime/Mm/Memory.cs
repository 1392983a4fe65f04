using PtLock.Contracts;

namespace PtLock;

/// <summary>mm/memory.c: populating page tables.</summary>
public static partial class Memory
{
    /// <summary>
    /// pmd_install: publish a preallocated PTE table if the PMD is still none, under the PMD lock. On
    /// success <paramref name="pte"/> is set to null (consumed); otherwise the caller still owns it.
    /// </summary>
    [Kernel("pmd_install")]
    [Excludes("PmdLockptr(mm, pmd)")]
    public static void PmdInstall(Mm mm, Pmd pmd, ref PteTable? pte)
    {
        ArgumentNullException.ThrowIfNull(pte);
        var ptl = LinuxMm.PmdLock(mm, pmd);
        try
        {
            if (Pgtable.PmdNone(Pgtable.PmdpGet(pmd)))
            {
                LinuxMm.MmIncNrPtes(mm);
                // smp_wmb(): the table's zeroed entries are visible before the PMD points at it; the
                // Volatile store in pmd_populate orders it here.
                Pgtable.PmdPopulate(mm, pmd, pte);
                pte = null;
            }
        }
        finally
        {
            Spinlock.SpinUnlock(ptl);
        }
    }

    /// <summary>__pte_alloc: allocate a PTE table and install it unless another thread won the race. 0 or -ENOMEM.</summary>
    [Kernel("__pte_alloc")]
    [MaySleep]
    public static int PteAllocCore(Mm mm, Pmd pmd)
    {
        var table = PgAlloc.PteAllocOne(mm);
        if (table is null)
            return -Errno.ENOMEM;
        PteTable? pending = table;
        PmdInstall(mm, pmd, ref pending);
        if (pending is not null)
            PgAlloc.PteFree(mm, pending);
        return 0;
    }

    /// <summary>__pmd_alloc: install a PMD table under the PUD lock (mm->page_table_lock).</summary>
    [Kernel("__pmd_alloc")]
    [MaySleep]
    public static int PmdAllocCore(Mm mm, Pud pud)
    {
        var table = PgAlloc.PmdAllocOne(mm);
        if (table is null)
            return -Errno.ENOMEM;
        var ptl = LinuxMm.PudLock(mm, pud);
        bool installed = false;
        try
        {
            if (!Pgtable.PudpGet(pud).IsPresent)
            {
                mm.AddNrPmds(1);
                pud.Store(UpperVal.Table(table.Pfn).Raw);
                table.Frame.InstalledIn = pud;
                table.Frame.EverPublished = true;
                installed = true;
            }
        }
        finally
        {
            Spinlock.SpinUnlock(ptl);
        }
        if (!installed)
            PgAlloc.PmdFree(mm, table);
        return 0;
    }

    /// <summary>__pud_alloc / __p4d_alloc: install an upper table under mm->page_table_lock.</summary>
    [Kernel("__pud_alloc")]
    [MaySleep]
    internal static int UpperAllocCore(Mm mm, EntryPointer slot, FrameKind kind)
    {
        var frame = PgAlloc.UpperAllocOne(mm, kind);
        if (frame is null)
            return -Errno.ENOMEM;
        var ptl = mm.PageTableLock;
        ptl.Lock(0);
        bool installed = false;
        try
        {
            if (!new UpperVal(slot.Load()).IsPresent)
            {
                if (kind == FrameKind.PudTable) mm.AddNrPuds(1);
                slot.Store(UpperVal.Table(frame.Pfn).Raw);
                frame.InstalledIn = slot;
                frame.EverPublished = true;
                installed = true;
            }
        }
        finally
        {
            ptl.Unlock();
        }
        if (!installed)
            PageTableCtor.Destroy(frame, "p4d/pud_free", immediate: true);
        return 0;
    }

    /// <summary>
    /// do_set_pmd: map a whole PMD-sized file folio with one PMD leaf. Fallback where it does not fit: the range
    /// is not inside the VMA or not aligned with the folio, the VMA is uffd-wp (its per-page protection needs
    /// PTEs), or it is a private writable mapping (a later write would need __split_huge_pmd, not modelled). Under
    /// the PMD lock the PMD must still be none, or another thread mapped it first (Fallback, as the kernel).
    /// </summary>
    [Kernel("do_set_pmd")]
    public static VmFaultResult DoSetPmd(VmFault vmf, Folio folio)
    {
        ArgumentNullException.ThrowIfNull(vmf);
        ArgumentNullException.ThrowIfNull(folio);
        var vma = vmf.Vma;
        var mm = vma.Mm;
        ulong haddr = vmf.Address & Geometry.PmdMask;
        if (!folio.IsPmdMappable || vma.File is null || folio.Mapping != vma.File || vma.UserfaultfdWp
            || IsCowMapping(vma.Flags)
            || haddr < vma.Start || haddr + Geometry.PmdSize > vma.End || vma.LinearPageIndex(haddr) != folio.Index)
            return VmFaultResult.Fallback;
        var pmd = vmf.Pmd!;
        var pml = LinuxMm.PmdLock(mm, pmd);
        if (!Pgtable.PmdNone(Pgtable.PmdpGet(pmd)))
        {
            Spinlock.SpinUnlock(pml);
            return VmFaultResult.Fallback;
        }
        var entry = PmdVal.Huge(folio.Pfn, vma.PageProt);
        folio.AddMap(); // folio_add_file_rmap_pmd
        mm.AddRss(anon: false, folio.NrPages);
        Pgtable.SetPmdAt(mm, haddr, pmd, entry);
        Spinlock.SpinUnlock(pml);
        return VmFaultResult.None;
    }
}
