namespace PtLock;

/// <summary>x86-64 paging geometry (arch/x86/include/asm/pgtable_64_types.h).</summary>
public static class Geometry
{
    public const int PageShift = 12;
    public const ulong PageSize = 1UL << PageShift;
    public const ulong PageMask = ~(PageSize - 1);
    public const int PtrsPerTable = 512;
    public const int PtrsPerPte = PtrsPerTable;
    public const int PtrsPerPmd = PtrsPerTable;
    public const int PmdShift = 21;
    public const ulong PmdSize = 1UL << PmdShift;
    public const ulong PmdMask = ~(PmdSize - 1);
    public const int PudShift = 30;
    public const ulong PudSize = 1UL << PudShift;
    public const ulong PudMask = ~(PudSize - 1);
    public const int P4dShift = 39;
    public const ulong P4dSize = 1UL << P4dShift;

    /// <summary>PGDIR_SHIFT: 39 with 4 levels (p4d folded), 48 with 5.</summary>
    public static int PgdirShift(int levels) => levels == 5 ? 48 : 39;

    /// <summary>TASK_SIZE_MAX-like bound on user addresses: 47 bits with 4 levels, 56 with 5.</summary>
    public static ulong TaskSize(int levels) => levels == 5 ? (1UL << 56) - PageSize : (1UL << 47) - PageSize;

    public static int PteIndex(ulong addr) => (int)((addr >> PageShift) & (PtrsPerTable - 1));
    public static int PmdIndex(ulong addr) => (int)((addr >> PmdShift) & (PtrsPerTable - 1));
    public static int PudIndex(ulong addr) => (int)((addr >> PudShift) & (PtrsPerTable - 1));
    public static int P4dIndex(ulong addr) => (int)((addr >> P4dShift) & (PtrsPerTable - 1));
    public static int PgdIndex(ulong addr, int levels) => (int)((addr >> PgdirShift(levels)) & (PtrsPerTable - 1));

    /// <summary>pmd_addr_end: the end of the PMD range containing addr, clamped to end.</summary>
    public static ulong PmdAddrEnd(ulong addr, ulong end)
    {
        ulong boundary = (addr + PmdSize) & PmdMask;
        return boundary - 1 < end - 1 ? boundary : end;
    }

    public static bool IsPageAligned(ulong addr) => (addr & ~PageMask) == 0;
}
