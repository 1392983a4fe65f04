using PtLock.Contracts;

namespace PtLock;

/// <summary>Hugetlb entry accessors (include/asm-generic/hugetlb.h, arch/x86): leaf entries in PMD slots.</summary>
public static partial class Hugetlb
{
    /// <summary>huge_ptep_get: read a hugetlb entry (a leaf, a marker, or none).</summary>
    [Kernel("huge_ptep_get")]
    public static PteVal HugePtepGet(Mm mm, ulong addr, Pte ptep)
    {
        ArgumentNullException.ThrowIfNull(mm);
        ArgumentNullException.ThrowIfNull(ptep);
        SchedPoint.Point(SchedPointKind.EntryRead, ptep);
        return new PteVal(ptep.Load());
    }

    /// <summary>make_huge_pte: a young leaf for the folio, writable and dirty when asked (shared or new anon).</summary>
    [Kernel("make_huge_pte")]
    public static PteVal MakeHugePte(Vma vma, Folio folio, bool writable)
    {
        ArgumentNullException.ThrowIfNull(vma);
        ArgumentNullException.ThrowIfNull(folio);
        var entry = Pgtable.PfnPte(folio.Pfn, vma.PageProt);
        entry = writable && (vma.Flags & VmFlags.Write) != 0
            ? Pgtable.PteMkdirty(Pgtable.PteMkwrite(entry))
            : Pgtable.PteWrprotect(entry);
        return PteMkhuge(Pgtable.PteMkyoung(entry));
    }

    /// <summary>pte_mkhuge: _PAGE_PSE, so that a PMD-level walker reads the slot as a leaf, not as a table.</summary>
    [Kernel("pte_mkhuge")]
    public static PteVal PteMkhuge(PteVal pte) => pte.With(EntryBits.Pse);

    /// <summary>set_huge_pte_at: install a hugetlb entry. Needs the PMD table's lock; page_table_check counts the folio.</summary>
    [Kernel("set_huge_pte_at")]
    [EntryWrite("ptep")]
    [Requires("PtepLockptr(mm, ptep)")]
    public static void SetHugePteAt(Mm mm, ulong addr, Pte ptep, PteVal pte)
    {
        CheckHugeWrite(mm, addr, ptep, "set_huge_pte_at");
        if (pte.IsPresent && (pte.Raw & EntryBits.Pse) == 0)
            throw new ArgumentException($"set_huge_pte_at({pte}): a present hugetlb entry must be a leaf (make_huge_pte / pte_mkhuge)", nameof(pte));
        if (mm.Machine.Validate)
            PageTableCheck.Replaced(mm, addr, new PteVal(ptep.Load()), pte);
        ptep.Store(pte.Raw);
    }

    /// <summary>huge_ptep_get_and_clear. Needs the PMD table's lock.</summary>
    [Kernel("huge_ptep_get_and_clear")]
    [ClearsEntry]
    [Requires("PtepLockptr(mm, ptep)")]
    public static PteVal HugePtepGetAndClear(Mm mm, ulong addr, Pte ptep)
    {
        CheckHugeWrite(mm, addr, ptep, "huge_ptep_get_and_clear");
        var old = new PteVal(ptep.Exchange(0));
        if (mm.Machine.Validate)
            PageTableCheck.Cleared(mm, old);
        return old;
    }

    /// <summary>
    /// huge_ptep_set_access_flags: upgrade access bits (young, dirty, write) of the same mapping; returns whether
    /// the entry changed. Needs the PMD table's lock.
    /// </summary>
    [Kernel("huge_ptep_set_access_flags")]
    [EntryWrite("ptep")]
    [Requires("PtepLockptr(vma.Mm, ptep)")]
    public static bool HugePtepSetAccessFlags(Vma vma, ulong addr, Pte ptep, PteVal pte)
    {
        ArgumentNullException.ThrowIfNull(vma);
        CheckHugeWrite(vma.Mm, addr, ptep, "huge_ptep_set_access_flags");
        var old = new PteVal(ptep.Load());
        if (!old.IsPresent || !pte.IsPresent || old.Pfn != pte.Pfn)
            throw new ArgumentException($"huge_ptep_set_access_flags may only change the bits of the same mapping ({old} -> {pte})", nameof(pte));
        if (old.Raw == pte.Raw)
            return false;
        ptep.Store(pte.Raw);
        return true;
    }

    /// <summary>huge_ptep_set_wrprotect: fork write-protects a private page in the parent. Needs the PMD table's lock.</summary>
    [Kernel("huge_ptep_set_wrprotect")]
    [Requires("PtepLockptr(mm, ptep)")]
    public static void HugePtepSetWrprotect(Mm mm, ulong addr, Pte ptep)
    {
        CheckHugeWrite(mm, addr, ptep, "huge_ptep_set_wrprotect");
        ptep.Store(Pgtable.PteWrprotect(new PteVal(ptep.Load())).Raw);
    }

    private static void CheckHugeWrite(Mm mm, ulong addr, Pte ptep, string op)
    {
        ArgumentNullException.ThrowIfNull(mm);
        ArgumentNullException.ThrowIfNull(ptep);
        ptep.CheckMm(mm, nameof(mm));
        mm.CheckAlive(op);
        Pgtable.CheckUserAddress(mm, addr, nameof(addr));
        if ((addr & ~HugePageMask) != 0)
            throw new ArgumentException($"{op}: address {addr:x} is not huge-page aligned", nameof(addr));
        CheckPmdSlot(ptep, addr, op);
        SchedPoint.Point(SchedPointKind.EntryWrite, ptep);
        // Checked mode: a pte_t * kept across an unshare points into a table this mm no longer maps (thread 001).
        if (mm.Machine.Checked && ptep.IsLive && HugePteOffset(mm, addr)?.Frame != ptep.Frame)
            throw new PtLockViolationException(RuleIds.HugetlbWindowUnlocked,
                $"{op}({ptep}) at {addr:x}: mm{mm.Id} no longer maps that PMD table (it was unshared meanwhile); the write would land in another mm's table");
        if (mm.Machine.Validate && !LinuxMm.PtepLockptr(mm, ptep).IsHeldByCurrentThread)
            throw new PtLockViolationException(RuleIds.RequiresLockNotHeld, $"{op}({ptep}) without the PMD table's lock");
    }
}
