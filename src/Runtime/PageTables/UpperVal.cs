namespace PtLock;

/// <summary>
/// The value of a PGD, P4D or PUD entry (pgd_t/p4d_t/pud_t). Above the PMD level the simulator only
/// installs table pointers (and hugetlb never maps 1 GiB pages here), so one value type serves all three.
/// </summary>
public readonly record struct UpperVal(ulong Raw)
{
    public bool IsNone => (Raw & ~EntryBits.KnlErratumMask) == 0;
    public bool IsPresent => (Raw & EntryBits.Present) != 0;
    public bool IsLeaf => (Raw & EntryBits.Pse) != 0;
    public bool IsBad => ((Raw & ~EntryBits.PfnMask) & ~EntryBits.PmdBadIgnored) != (EntryBits.KernPgTable & ~EntryBits.Accessed);
    public ulong Pfn => (Raw & EntryBits.PfnMask) >> Geometry.PageShift;
    public static UpperVal Table(ulong tablePfn) => new((tablePfn << Geometry.PageShift) | EntryBits.PageTable);
    public override string ToString() => IsNone ? "none" : IsBad ? $"bad {Raw:x}" : $"table pfn {Pfn:x}";
}
