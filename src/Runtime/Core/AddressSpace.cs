using PtLock.Contracts;

namespace PtLock;

/// <summary>struct address_space: a file's page cache and the VMAs that map it (i_mmap).</summary>
[Kernel("struct address_space")]
public sealed class AddressSpace
{
    private readonly Dictionary<ulong, Folio> _pageCache = new();
    private readonly List<Vma> _mappings = new();

    public AddressSpace(Machine machine, string name)
    {
        Machine = machine ?? throw new ArgumentNullException(nameof(machine));
        Name = name ?? throw new ArgumentNullException(nameof(name));
        IMmapRwsem = new RwSemaphore(machine, LockClass.IMmapRwsem, $"i_mmap_rwsem({name})");
        Id = machine.NextMappingId();
    }

    /// <summary>A number unique on its machine, in creation order (hashes that must not vary between runs use it).</summary>
    internal int Id { get; }

    public Machine Machine { get; }
    public string Name { get; }

    /// <summary>mapping->i_mmap_rwsem: stabilises the set of VMAs mapping the file and their page tables.</summary>
    public RwSemaphore IMmapRwsem { get; }

    /// <summary>The VMAs mapping this file (the i_mmap tree). Read under <see cref="IMmapRwsem"/>.</summary>
    [GuardedBy(nameof(IMmapRwsem))]
    public IReadOnlyList<Vma> Mappings => _mappings;

    internal void AddMapping(Vma vma) => _mappings.Add(vma);
    internal void RemoveMapping(Vma vma) => _mappings.Remove(vma);

    /// <summary>filemap_get_folio: the cached folio at <paramref name="index"/>, or null.</summary>
    public Folio? FindFolio(ulong index)
    {
        lock (_pageCache)
            return _pageCache.TryGetValue(index, out var f) ? f : null;
    }

    /// <summary>
    /// Whether <paramref name="folio"/> is still what the page cache holds at <paramref name="index"/>: checked
    /// once the folio is locked, since collapse_file may have replaced it before the lock was taken.
    /// </summary>
    internal bool StillCaches(ulong index, Folio folio) => ReferenceEquals(FindFolio(index), folio);

    /// <summary>The folio at <paramref name="index"/>, created (and added with a page-cache reference) if absent.</summary>
    public Folio? GetOrCreateFolio(ulong index)
    {
        lock (_pageCache)
        {
            if (_pageCache.TryGetValue(index, out var f))
                return f;
            var folio = Folio.Alloc(Machine);
            if (folio is null)
                return null;
            folio.Mapping = this;
            folio.Index = index;
            _pageCache[index] = folio;
            return folio;
        }
    }

    /// <summary>
    /// filemap_add_folio of a large folio: a new folio of 2^<paramref name="order"/> pages holding file pages
    /// [index, index + 2^order), added with a page-cache reference. Null when out of memory or when any of those
    /// pages is already cached (-EEXIST). The index must be aligned to the folio size.
    /// </summary>
    public Folio? AddLargeFolio(ulong index, int order)
    {
        if (order is < 1 or > Geometry.PmdShift - Geometry.PageShift)
            throw new ArgumentOutOfRangeException(nameof(order), order, "large folios of order 1 to 9 (a PMD) are modelled");
        ulong pages = 1UL << order;
        if ((index & (pages - 1)) != 0)
            throw new ArgumentException($"a folio of {pages} pages must start at a multiple of {pages}, not at {index}", nameof(index));
        lock (_pageCache)
        {
            for (ulong i = index; i < index + pages; i++)
                if (_pageCache.ContainsKey(i))
                    return null;
            var folio = Folio.AllocLarge(Machine, order);
            if (folio is null)
                return null;
            folio.Mapping = this;
            folio.Index = index;
            for (ulong i = index; i < index + pages; i++)
                _pageCache[i] = folio;
            return folio;
        }
    }

    /// <summary>
    /// The xas_store loop of collapse_file: replace the cached folios of [index, index + 2^order) — exactly
    /// <paramref name="expected"/>, null for a hole — by <paramref name="large"/>. False (nothing changed) when the
    /// page cache no longer holds what was expected.
    /// </summary>
    internal bool ReplaceRange(ulong index, Folio large, IReadOnlyList<Folio?> expected)
    {
        lock (_pageCache)
        {
            for (int i = 0; i < expected.Count; i++)
            {
                var now = _pageCache.TryGetValue(index + (ulong)i, out var f) ? f : null;
                if (!ReferenceEquals(now, expected[i]))
                    return false;
            }
            large.Mapping = this;
            large.Index = index;
            for (int i = 0; i < expected.Count; i++)
                _pageCache[index + (ulong)i] = large;
            return true;
        }
    }

    /// <summary>How many file pages are cached (a large folio counts each of its pages).</summary>
    public int CachedPages
    {
        get { lock (_pageCache) return _pageCache.Count; }
    }

    internal IReadOnlyCollection<Folio> CachedFolios
    {
        get { lock (_pageCache) return _pageCache.Values.Distinct().ToList(); }
    }

    public override string ToString() => $"mapping({Name})";
}
