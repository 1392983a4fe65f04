namespace PtLock;

/// <summary>
/// x86-64 entry bits (arch/x86/include/asm/pgtable_types.h, pgtable_64.h) so that encodings, and the bugs
/// that depend on them, are the kernel's.
/// </summary>
public static class EntryBits
{
    public const ulong Present = 1UL << 0;
    public const ulong Rw = 1UL << 1;
    public const ulong User = 1UL << 2;
    public const ulong Pwt = 1UL << 3;
    public const ulong Pcd = 1UL << 4;
    public const ulong Accessed = 1UL << 5;
    public const ulong Dirty = 1UL << 6;
    /// <summary>_PAGE_PSE: a leaf at PMD/PUD level.</summary>
    public const ulong Pse = 1UL << 7;
    public const ulong Global = 1UL << 8;
    /// <summary>_PAGE_SPECIAL = SOFTW1.</summary>
    public const ulong Special = 1UL << 9;
    /// <summary>_PAGE_UFFD_WP = SOFTW2 (present form).</summary>
    public const ulong UffdWp = 1UL << 10;
    /// <summary>_PAGE_SOFT_DIRTY = SOFTW3 (present form).</summary>
    public const ulong SoftDirty = 1UL << 11;
    /// <summary>_PAGE_DEVMAP = SOFTW4 (removed from mainline in 6.15; kept for seed-era code).</summary>
    public const ulong Devmap = 1UL << 57;
    public const ulong Nx = 1UL << 63;
    /// <summary>_PAGE_PROTNONE aliases _PAGE_GLOBAL on non-present entries.</summary>
    public const ulong ProtNone = Global;

    /// <summary>PTE_PFN_MASK: physical address bits 12..51.</summary>
    public const ulong PfnMask = ((1UL << 52) - 1) & Geometry.PageMask;

    /// <summary>_PAGE_TABLE: what pmd_populate writes beside the pfn.</summary>
    public const ulong PageTable = Present | Rw | User | Accessed | Dirty;
    /// <summary>_KERNPG_TABLE, the reference for pmd_bad().</summary>
    public const ulong KernPgTable = Present | Rw | Accessed | Dirty;
    /// <summary>Flags pmd_bad() tolerates beside _KERNPG_TABLE.</summary>
    public const ulong PmdBadIgnored = User | Accessed;
    /// <summary>_PAGE_KNL_ERRATUM_MASK: A and D may be set by hardware on a cleared entry.</summary>
    public const ulong KnlErratumMask = Dirty | Accessed;

    // Swap (non-present) form, x86-64: type in bits 59..63, inverted offset in 9..58,
    // SD/F/E software bits in 1..3, bit 7 and bit 0 clear.
    public const int SwpTypeBits = 5;
    public const int SwpOffsetFirstBit = 9;
    public const int SwpOffsetShift = SwpOffsetFirstBit + SwpTypeBits;
    /// <summary>_PAGE_SWP_SOFT_DIRTY = _PAGE_RW.</summary>
    public const ulong SwpSoftDirty = Rw;
    /// <summary>_PAGE_SWP_UFFD_WP = _PAGE_USER.</summary>
    public const ulong SwpUffdWp = User;
    /// <summary>_PAGE_SWP_EXCLUSIVE = _PAGE_PWT.</summary>
    public const ulong SwpExclusive = Pwt;
    public const ulong SwpSoftBits = SwpSoftDirty | SwpUffdWp | SwpExclusive;
}
