namespace PtLock;

/// <summary>
/// swp_entry_t: an arch-independent (type, offset) pair (include/linux/swapops.h). Types above
/// <see cref="MaxSwapfiles"/> are the special entries, laid out as in include/linux/swap.h with
/// device-private, migration, hwpoison and pte-marker entries all configured.
/// </summary>
public readonly record struct SwapEntry(int Type, ulong Offset)
{
    public const int MaxSwapfilesShift = 5;
    public const int DeviceNum = 3;
    public const int MigrationNum = 3;
    public const int HwpoisonNum = 1;
    public const int PteMarkerNum = 1;
    public const int MaxSwapfiles = (1 << MaxSwapfilesShift) - DeviceNum - MigrationNum - HwpoisonNum - PteMarkerNum;
    public const int Hwpoison = MaxSwapfiles;
    public const int MigrationRead = MaxSwapfiles + HwpoisonNum;
    public const int MigrationReadExclusive = MaxSwapfiles + HwpoisonNum + 1;
    public const int MigrationWrite = MaxSwapfiles + HwpoisonNum + 2;
    public const int DeviceWrite = MaxSwapfiles + HwpoisonNum + MigrationNum;
    public const int DeviceRead = DeviceWrite + 1;
    public const int DeviceExclusive = DeviceWrite + 2;
    public const int PteMarker = MaxSwapfiles + HwpoisonNum + MigrationNum + DeviceNum;

    /// <summary>Offsets are limited by the inverted-offset field: 50 bits.</summary>
    public const ulong MaxOffset = (1UL << (64 - EntryBits.SwpOffsetShift)) - 1;

    public bool IsRealSwap => Type < MaxSwapfiles;
    public bool IsMigration => Type is MigrationRead or MigrationReadExclusive or MigrationWrite;
    public bool IsWritableMigration => Type == MigrationWrite;
    public bool IsDevicePrivate => Type is DeviceRead or DeviceWrite;
    public bool IsPteMarker => Type == PteMarker;
    public bool IsHwpoison => Type == Hwpoison;

    /// <summary>swp_entry(type, offset), validating both fields.</summary>
    public static SwapEntry Create(int type, ulong offset)
    {
        if (type is < 0 or >= 1 << MaxSwapfilesShift)
            throw new ArgumentOutOfRangeException(nameof(type), type, "swap type must be in [0, 32)");
        if (offset > MaxOffset)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"swap offset must be at most {MaxOffset}");
        return new SwapEntry(type, offset);
    }

    /// <summary>make_migration_entry_*: the offset is the pfn of the page under migration.</summary>
    public static SwapEntry Migration(ulong pfn, bool write, bool exclusive = false) =>
        Create(write ? MigrationWrite : exclusive ? MigrationReadExclusive : MigrationRead, pfn);

    /// <summary>make_pte_marker_entry.</summary>
    public static SwapEntry Marker(PteMarker marker) => Create(PteMarker, (ulong)marker);

    public PteMarker MarkerBits => IsPteMarker ? (PteMarker)Offset : PtLock.PteMarker.None;
}

/// <summary>pte_marker bits (include/linux/swapops.h, leafops.h).</summary>
[Flags]
public enum PteMarker : ulong
{
    None = 0,
    /// <summary>PTE_MARKER_UFFD_WP: the address was write-protected by userfaultfd while unpopulated or zapped.</summary>
    UffdWp = 1UL << 0,
    /// <summary>PTE_MARKER_POISONED (was SWAPIN_ERROR).</summary>
    Poisoned = 1UL << 1,
    /// <summary>PTE_MARKER_GUARD (MADV_GUARD_INSTALL).</summary>
    Guard = 1UL << 2,
}
