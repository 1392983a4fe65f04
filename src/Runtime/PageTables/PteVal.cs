using PtLock.Contracts;

namespace PtLock;

/// <summary>pte_t: the value of one PTE, in the x86-64 layout.</summary>
[Kernel("pte_t")]
public readonly record struct PteVal(ulong Raw)
{
    public static PteVal Empty => default;

    /// <summary>pte_none: zero, ignoring A/D that hardware may set on a cleared entry.</summary>
    public bool IsNone => (Raw & ~EntryBits.KnlErratumMask) == 0;

    /// <summary>pte_present: present, or PROT_NONE (present to the kernel, not to the MMU).</summary>
    public bool IsPresent => (Raw & (EntryBits.Present | EntryBits.ProtNone)) != 0;

    /// <summary>is_swap_pte: not none and not present (swap, migration, device, marker, hwpoison).</summary>
    public bool IsSwap => !IsNone && !IsPresent;

    public ulong Pfn => (Raw & EntryBits.PfnMask) >> Geometry.PageShift;
    public bool IsWrite => IsPresent && (Raw & EntryBits.Rw) != 0;
    public bool IsDirty => IsPresent && (Raw & EntryBits.Dirty) != 0;
    public bool IsYoung => IsPresent && (Raw & EntryBits.Accessed) != 0;
    public bool IsSpecial => IsPresent && (Raw & EntryBits.Special) != 0;
    public bool IsSoftDirty => IsPresent ? (Raw & EntryBits.SoftDirty) != 0 : IsSwap && (Raw & EntryBits.SwpSoftDirty) != 0;

    /// <summary>pte_uffd_wp on a present entry, pte_swp_uffd_wp on a swap-form one.</summary>
    public bool IsUffdWp => IsPresent ? (Raw & EntryBits.UffdWp) != 0 : IsSwap && (Raw & EntryBits.SwpUffdWp) != 0;

    /// <summary>pte_to_swp_entry: the arch-independent entry of a non-present, non-none pte.</summary>
    public SwapEntry ToSwapEntry()
    {
        if (!IsSwap)
            throw new InvalidOperationException($"pte_to_swp_entry on a {(IsNone ? "none" : "present")} pte {this}");
        ulong arch = Raw & ~EntryBits.SwpSoftBits;
        int type = (int)(arch >> (64 - EntryBits.SwpTypeBits));
        ulong offset = ~arch << EntryBits.SwpTypeBits >> EntryBits.SwpOffsetShift;
        return new SwapEntry(type, offset);
    }

    /// <summary>is_pte_marker: a swap-form pte that holds a pte marker.</summary>
    public bool IsMarker => IsSwap && ToSwapEntry().IsPteMarker;

    /// <summary>pte_marker_uffd_wp / pte_is_uffd_wp_marker.</summary>
    public bool IsUffdWpMarker => IsMarker && (ToSwapEntry().MarkerBits & PteMarker.UffdWp) != 0;

    /// <summary>pte_none_mostly: none, or a marker (not "none" for reclaim and zap).</summary>
    public bool IsNoneMostly => IsNone || IsMarker;

    /// <summary>pfn_pte.</summary>
    public static PteVal FromPfn(ulong pfn, PgProt prot)
    {
        if (pfn > (EntryBits.PfnMask >> Geometry.PageShift))
            throw new ArgumentOutOfRangeException(nameof(pfn), pfn, "pfn does not fit the 40-bit pfn field");
        return new PteVal((pfn << Geometry.PageShift) | prot.Flags);
    }

    /// <summary>swp_entry_to_pte.</summary>
    public static PteVal FromSwapEntry(SwapEntry entry)
    {
        ulong arch = (~entry.Offset << EntryBits.SwpOffsetShift >> EntryBits.SwpTypeBits)
                     | ((ulong)entry.Type << (64 - EntryBits.SwpTypeBits));
        return new PteVal(arch);
    }

    /// <summary>make_pte_marker.</summary>
    public static PteVal Marker(PteMarker marker) => FromSwapEntry(SwapEntry.Marker(marker));

    public PteVal With(ulong bits) => new(Raw | bits);
    public PteVal Without(ulong bits) => new(Raw & ~bits);

    public override string ToString()
    {
        if (IsNone)
            return "pte(none)";
        if (IsPresent)
        {
            string flags = (IsWrite ? "W" : "R") + (IsDirty ? "D" : "") + (IsYoung ? "A" : "") + (IsUffdWp ? " uffd-wp" : "");
            return $"pte(pfn {Pfn:x} {flags})";
        }
        var e = ToSwapEntry();
        if (e.IsPteMarker)
            return $"pte(marker {e.MarkerBits})";
        if (e.IsMigration)
            return $"pte(migration {(e.IsWritableMigration ? "W" : "R")} pfn {e.Offset:x})";
        return $"pte(swap type {e.Type} offset {e.Offset:x}{(IsUffdWp ? " uffd-wp" : "")})";
    }
}
