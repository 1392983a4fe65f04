using System.Runtime.CompilerServices;

namespace PtLock;

/// <summary>
/// A pointer to one entry slot of a page-table page (pgd_t *, p4d_t *, pud_t *, pmd_t *, pte_t *). It
/// remembers the generation of the table page it points into: in checked mode, touching a slot of a
/// page that has since been freed throws; in raw mode it reads and writes whatever the page holds now.
/// </summary>
public abstract class EntryPointer
{
    private readonly ulong[] _entries;
    private readonly Machine _machine;

    private protected EntryPointer(PageFrame frame, int generation, int index)
    {
        Frame = frame;
        Generation = generation;
        Index = index;
        _machine = frame.Owner.Machine;
        OwnerMm = frame.TableMm;
        InPteTable = frame.Kind == FrameKind.PteTable;
        // A frame keeps its entry array across reuse, so the pointer can hold it directly.
        _entries = frame.Entries ??= new ulong[Geometry.PtrsPerTable];
    }

    /// <summary>The table page this pointer points into.</summary>
    public PageFrame Frame { get; }

    internal int Generation { get; }

    /// <summary>The slot index within the table (0..511; 512 is the one-past-the-end pointer).</summary>
    public int Index { get; }

    /// <summary>The mm the table page belonged to when this pointer was made.</summary>
    public Mm? Mm => OwnerMm;

    internal readonly Mm? OwnerMm;

    /// <summary>Whether the pointer points into a PTE table (hugetlb's pte_t * point into PMD tables).</summary>
    internal readonly bool InPteTable;

    /// <summary>Whether the page still holds the table this pointer was made for.</summary>
    public bool IsLive => Frame.Generation == Generation;

    internal Machine Machine => _machine;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong Load()
    {
        Check("read");
        return Volatile.Read(ref _entries[Index]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Store(ulong value)
    {
        Check("write");
        Volatile.Write(ref _entries[Index], value);
    }

    internal ulong Exchange(ulong value)
    {
        Check("write");
        return Interlocked.Exchange(ref _entries[Index], value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Check(string op)
    {
        if ((uint)Index >= Geometry.PtrsPerTable || (_machine.Checked && Frame.Generation != Generation))
            ThrowBadAccess(op);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowBadAccess(string op)
    {
        if ((uint)Index >= Geometry.PtrsPerTable)
            throw new IndexOutOfRangeException($"{op} through a one-past-the-end {KindName} pointer of table {Frame}");
        throw new PtLockViolationException(Frame.LastWasSharedHugetlbPmd ? RuleIds.HugetlbWindowUnlocked : RuleIds.UseAfterUnmap,
            $"{op} through a {KindName} pointer into a freed table page: {Frame.Describe()}");
    }

    internal abstract string KindName { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void CheckMm(Mm mm, string paramName)
    {
        if (!ReferenceEquals(OwnerMm, mm))
            CheckMmSlow(mm, paramName);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CheckMmSlow(Mm mm, string paramName)
    {
        ArgumentNullException.ThrowIfNull(mm, paramName);
        // A stale pointer (raw mode) reaches whatever table reused the page: its owner says nothing about misuse.
        if (OwnerMm is { } owner && !Frame.EverShared && IsLive)
            throw new ArgumentException($"the {KindName} pointer belongs to mm{owner.Id}, not mm{mm.Id}", paramName);
    }

    public override string ToString() => $"{KindName}[{Index}] in {Frame}";

    /// <summary>The cached pointer to slot <paramref name="index"/> of a table page, made once per generation.</summary>
    internal static T SlotOf<T>(PageFrame frame, int generation, int index, Func<PageFrame, int, int, T> make)
        where T : EntryPointer
    {
        var slots = frame.Slots;
        if (slots is null)
        {
            Interlocked.CompareExchange(ref frame.Slots, new EntryPointer?[Geometry.PtrsPerTable + 1], null);
            slots = frame.Slots!;
        }
        var current = slots[index];
        if (current is T existing && existing.Generation == generation)
            return existing;
        var made = make(frame, generation, index);
        var prior = Interlocked.CompareExchange(ref slots[index], made, current);
        return ReferenceEquals(prior, current) || prior is not T winner || winner.Generation != generation ? made : winner;
    }
}

/// <summary>pgd_t *.</summary>
public sealed class Pgd : EntryPointer
{
    private Pgd(PageFrame frame, int generation, int index) : base(frame, generation, index) { }
    internal static Pgd At(PageFrame frame, int generation, int index) => SlotOf(frame, generation, index, static (f, g, i) => new Pgd(f, g, i));
    internal P4d? FoldedP4d;
    internal override string KindName => "pgd";
}

/// <summary>p4d_t *. With 4-level paging the p4d is folded into the pgd: the same slot.</summary>
public sealed class P4d : EntryPointer
{
    private P4d(PageFrame frame, int generation, int index) : base(frame, generation, index) { }
    internal static P4d At(PageFrame frame, int generation, int index) => SlotOf(frame, generation, index, static (f, g, i) => new P4d(f, g, i));
    internal static P4d Folded(Pgd pgd) => pgd.FoldedP4d ??= new P4d(pgd.Frame, pgd.Generation, pgd.Index);
    internal override string KindName => "p4d";
}

/// <summary>pud_t *.</summary>
public sealed class Pud : EntryPointer
{
    private Pud(PageFrame frame, int generation, int index) : base(frame, generation, index) { }
    internal static Pud At(PageFrame frame, int generation, int index) => SlotOf(frame, generation, index, static (f, g, i) => new Pud(f, g, i));
    internal override string KindName => "pud";
}

/// <summary>pmd_t *: a pointer to one PMD entry slot.</summary>
public sealed class Pmd : EntryPointer
{
    private Pmd(PageFrame frame, int generation, int index) : base(frame, generation, index) { }

    internal static Pmd At(PageFrame frame, int generation, int index) =>
        frame.Slots?[index] is Pmd cached && cached.Generation == generation
            ? cached
            : SlotOf(frame, generation, index, static (f, g, i) => new Pmd(f, g, i));
    internal override string KindName => "pmd";
}

/// <summary>
/// pte_t *: a pointer into a mapped PTE table. Pointer arithmetic works as in C (<c>pte + 1</c>,
/// <c>pte++</c>) within the table; the one-past-the-end pointer exists but cannot be dereferenced.
/// </summary>
public sealed class Pte : EntryPointer
{
    private Pte(PageFrame frame, int generation, int index) : base(frame, generation, index) { }

    // The hot path (a walker mapping a table) avoids the generic slow path's shared-generic type check.
    internal static Pte At(PageFrame frame, int generation, int index) =>
        frame.Slots?[index] is Pte cached && cached.Generation == generation
            ? cached
            : SlotOf(frame, generation, index, static (f, g, i) => new Pte(f, g, i));
    internal override string KindName => "pte";

    [PtLock.Contracts.SameTableAs("pte")]
    public static Pte operator +(Pte pte, int n)
    {
        ArgumentNullException.ThrowIfNull(pte);
        int index = pte.Index + n;
        if (index is < 0 or > Geometry.PtrsPerPte)
            throw new ArgumentOutOfRangeException(nameof(n), n, $"pte pointer arithmetic leaves the table (index {index})");
        return At(pte.Frame, pte.Generation, index);
    }

    [PtLock.Contracts.SameTableAs("pte")]
    public static Pte operator -(Pte pte, int n) => pte + -n;

    [PtLock.Contracts.SameTableAs("pte")]
    public static Pte operator ++(Pte pte) => pte + 1;
    public static int operator -(Pte a, Pte b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Frame != b.Frame)
            throw new ArgumentException("subtracting pte pointers into different tables");
        return a.Index - b.Index;
    }
}
