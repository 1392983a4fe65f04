using PtLock.Contracts;

namespace PtLock;

/// <summary>pmd_t: the value of one PMD entry, in the x86-64 layout.</summary>
[Kernel("pmd_t")]
public readonly record struct PmdVal(ulong Raw)
{
    public static PmdVal Empty => default;

    /// <summary>pmd_none.</summary>
    public bool IsNone => (Raw & ~EntryBits.KnlErratumMask) == 0;

    /// <summary>pmd_present: P, PROT_NONE or PSE (a leaf being split is still "present").</summary>
    public bool IsPresent => (Raw & (EntryBits.Present | EntryBits.ProtNone | EntryBits.Pse)) != 0;

    /// <summary>pmd_leaf (pmd_large): maps a huge page rather than a PTE table.</summary>
    public bool IsLeaf => (Raw & EntryBits.Pse) != 0;

    /// <summary>pmd_trans_huge: a leaf that is not devmap.</summary>
    public bool IsTransHuge => (Raw & (EntryBits.Pse | EntryBits.Devmap)) == EntryBits.Pse;

    public bool IsDevmap => (Raw & EntryBits.Devmap) != 0;

    /// <summary>pmd_bad: not a well-formed pointer to a PTE table.</summary>
    public bool IsBad => (Flags & ~EntryBits.PmdBadIgnored) != (EntryBits.KernPgTable & ~EntryBits.Accessed);

    /// <summary>A present pointer to a PTE table (what __pte_offset_map accepts).</summary>
    public bool IsTable => !IsNone && IsPresent && !IsLeaf && !IsBad;

    /// <summary>is_pmd_migration_entry.</summary>
    public bool IsMigration => !IsNone && !IsPresent && ToSwapEntry().IsMigration;

    public ulong Pfn => (Raw & EntryBits.PfnMask) >> Geometry.PageShift;
    public ulong Flags => Raw & ~EntryBits.PfnMask;
    public bool IsWrite => (Raw & EntryBits.Rw) != 0;
    public bool IsUffdWp => IsPresent ? (Raw & EntryBits.UffdWp) != 0 : (Raw & EntryBits.SwpUffdWp) != 0;

    public SwapEntry ToSwapEntry()
    {
        if (IsNone || IsPresent)
            throw new InvalidOperationException($"pmd_to_swp_entry on a {(IsNone ? "none" : "present")} pmd {this}");
        var pte = new PteVal(Raw);
        return pte.ToSwapEntry();
    }

    /// <summary>What pmd_populate writes: _PAGE_TABLE | the table's pfn.</summary>
    public static PmdVal Table(ulong tablePfn) => new((tablePfn << Geometry.PageShift) | EntryBits.PageTable);

    /// <summary>pmd_mkhuge(pfn_pmd(pfn, prot)).</summary>
    public static PmdVal Huge(ulong pfn, PgProt prot) => new((pfn << Geometry.PageShift) | prot.Flags | EntryBits.Pse);

    public override string ToString()
    {
        if (IsNone)
            return "pmd(none)";
        if (IsTable)
            return $"pmd(table pfn {Pfn:x})";
        if (IsLeaf)
            return $"pmd(huge pfn {Pfn:x}{(IsWrite ? " W" : "")})";
        if (IsMigration)
            return "pmd(migration)";
        return $"pmd(bad {Raw:x})";
    }
}
