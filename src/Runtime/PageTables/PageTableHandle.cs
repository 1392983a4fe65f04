using PtLock.Contracts;

namespace PtLock;

/// <summary>A page-table page for one generation of its frame (pgtable_t / struct ptdesc *).</summary>
public abstract class PageTableHandle
{
    private protected PageTableHandle(PageFrame frame)
    {
        Frame = frame;
        Generation = frame.Generation;
    }

    public PageFrame Frame { get; }
    internal int Generation { get; }
    public ulong Pfn => Frame.Pfn;

    /// <summary>Whether the frame still holds this table.</summary>
    public bool IsLive => Frame.Generation == Generation;

    /// <summary>Whether the table is currently installed in an upper-level entry.</summary>
    public bool IsInstalled => IsLive && Frame.InstalledIn is not null;

    internal void CheckLive(string op)
    {
        if (!IsLive)
            throw new PtLockViolationException(RuleIds.UseAfterUnmap, $"{op} on a table whose page was freed: {Frame.Describe()}");
    }

    public override string ToString() => $"{GetType().Name}({Frame})";
}

/// <summary>pgtable_t: a PTE table page.</summary>
[Kernel("pgtable_t")]
public sealed class PteTable : PageTableHandle
{
    internal PteTable(PageFrame frame) : base(frame) { }

    /// <summary>Pointer to entry <paramref name="index"/> (like <c>(pte_t *)page_address(table) + index</c>).</summary>
    public Pte EntryAt(int index)
    {
        if (index is < 0 or >= Geometry.PtrsPerPte)
            throw new ArgumentOutOfRangeException(nameof(index), index, "a PTE table has 512 entries");
        CheckLive("pte_t * of table");
        return Pte.At(Frame, Generation, index);
    }
}

/// <summary>A PMD table page (hugetlb shares these between mms).</summary>
public sealed class PmdTable : PageTableHandle
{
    internal PmdTable(PageFrame frame) : base(frame) { }
}
