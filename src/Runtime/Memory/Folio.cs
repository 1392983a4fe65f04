using PtLock.Contracts;

namespace PtLock;

/// <summary>
/// struct folio (order 0 here): a data page with its reference count, map count and folio lock. The page
/// returns to the pool when the last reference is dropped.
/// </summary>
[Kernel("struct folio")]
public sealed class Folio
{
    private int _refCount = 1;
    private int _mapCount;
    private RwSemaphore? _lock;

    private Folio(PageFrame frame, Machine machine, int order = 0)
    {
        Frame = frame;
        Generation = frame.Generation;
        Machine = machine;
        Order = order;
    }

    /// <summary>folio_order: 0 for a single page, 9 for a PMD-sized folio.</summary>
    public int Order { get; }

    /// <summary>folio_nr_pages.</summary>
    public int NrPages => 1 << Order;

    /// <summary>folio_test_pmd_mappable: as large as a PMD mapping.</summary>
    public bool IsPmdMappable => Order == Geometry.PmdShift - Geometry.PageShift;

    /// <summary>The content word of one page of this folio (copy_user_highpage reads the page it copies, not the head).</summary>
    internal ulong PageContent(ulong pfn)
    {
        CheckLive("read");
        if (pfn < Pfn || pfn - Pfn >= (ulong)NrPages)
            throw new ArgumentOutOfRangeException(nameof(pfn), pfn, $"pfn {pfn:x} is not a page of {this}");
        return Volatile.Read(ref Machine.Memory.FrameOf(pfn).Content);
    }

    /// <summary>The pfn of the page of this folio that holds file page <paramref name="index"/> (folio_page(folio, index - folio->index)).</summary>
    public ulong PfnOf(ulong index)
    {
        if (index < Index || index - Index >= (ulong)NrPages)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"file page {index} is not in {this}");
        return Pfn + (index - Index);
    }

    public PageFrame Frame { get; }
    internal int Generation { get; }
    public Machine Machine { get; }
    public ulong Pfn => Frame.Pfn;

    /// <summary>folio_test_anon.</summary>
    public bool IsAnon { get; internal set; }

    /// <summary>folio->mapping for file folios.</summary>
    public AddressSpace? Mapping { get; internal set; }

    /// <summary>folio->index (file page offset, or linear index for anon).</summary>
    public ulong Index { get; internal set; }

    public int RefCount => Volatile.Read(ref _refCount);

    /// <summary>folio_mapcount: how many page-table entries map it.</summary>
    public int MapCount => Volatile.Read(ref _mapCount);

    public bool IsLive => Frame.Generation == Generation && Frame.Kind == FrameKind.Data;

    /// <summary>The folio lock (PG_locked), a sleeping lock.</summary>
    public RwSemaphore Lock
    {
        get
        {
            var l = Volatile.Read(ref _lock);
            if (l is not null)
                return l;
            Interlocked.CompareExchange(ref _lock, new RwSemaphore(Machine, LockClass.FolioLock, $"folio_lock(pfn {Pfn:x})"), null);
            return _lock!;
        }
    }

    /// <summary>Page content, so tests can see writes land in the right page.</summary>
    public ulong Content
    {
        get { CheckLive("read"); return Volatile.Read(ref Frame.Content); }
        set { CheckLive("write"); Volatile.Write(ref Frame.Content, value); }
    }

    /// <summary>folio_alloc: a zeroed order-0 folio with one reference, or null when memory is exhausted.</summary>
    public static Folio? Alloc(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var frame = machine.Memory.Alloc(FrameKind.Data);
        if (frame is null)
            return null;
        // The struct page fields that overlay a ptdesc's lock are reused by the new owner.
        frame.LockWord = unchecked((int)0xdead4ead);
        var folio = new Folio(frame, machine);
        frame.Folio = folio;
        frame.Content = 0;
        return folio;
    }

    /// <summary>
    /// folio_alloc(order): a zeroed folio of 2^<paramref name="order"/> contiguous pages with one reference, or null.
    /// Every page's frame points at the folio (the tail pages' compound_head).
    /// </summary>
    public static Folio? AllocLarge(Machine machine, int order)
    {
        ArgumentNullException.ThrowIfNull(machine);
        if (order is < 0 or > Geometry.PmdShift - Geometry.PageShift)
            throw new ArgumentOutOfRangeException(nameof(order), order, "orders 0 to 9 (a PMD) are modelled");
        if (order == 0)
            return Alloc(machine);
        var frames = machine.Memory.AllocContiguous(1 << order, FrameKind.Data);
        if (frames is null)
            return null;
        var folio = new Folio(frames[0], machine, order);
        foreach (var frame in frames)
        {
            frame.LockWord = unchecked((int)0xdead4ead);
            frame.Folio = folio;
            frame.Content = 0;
        }
        return folio;
    }

    /// <summary>folio_get.</summary>
    public void Get()
    {
        CheckLive("folio_get");
        Interlocked.Increment(ref _refCount);
    }

    /// <summary>folio_put: drop a reference; the last one frees the page.</summary>
    public void Put()
    {
        CheckLive("folio_put");
        int refs = Interlocked.Decrement(ref _refCount);
        if (refs < 0)
            throw new PtLockViolationException(RuleIds.StaleFrame, $"folio_put underflow on pfn {Pfn:x}");
        if (refs == 0)
        {
            if (MapCount != 0)
                throw new PtLockViolationException(RuleIds.PageTableCheck, $"folio pfn {Pfn:x} freed while still mapped {MapCount} time(s)");
            for (int i = NrPages - 1; i >= 1; i--)
                Machine.Memory.Free(Machine.Memory.FrameOf(Pfn + (ulong)i), "folio_put");
            Machine.Memory.Free(Frame, "folio_put");
        }
    }

    internal void AddMap() => Interlocked.Increment(ref _mapCount);

    internal void RemoveMap()
    {
        if (Interlocked.Decrement(ref _mapCount) < 0)
            throw new PtLockViolationException(RuleIds.PageTableCheck, $"folio pfn {Pfn:x}: mapcount underflow");
    }

    private void CheckLive(string op)
    {
        if (!IsLive)
            throw new PtLockViolationException(RuleIds.StaleFrame, $"{op} on a folio whose page was freed: {Frame.Describe()}");
    }

    public override string ToString() => $"folio(pfn {Pfn:x}{(Order == 0 ? "" : $" order {Order}")}{(IsAnon ? " anon" : Mapping is null ? "" : $" {Mapping.Name}@{Index}")} ref {RefCount} map {MapCount})";
}
