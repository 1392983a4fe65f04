namespace PtLock;

/// <summary>What a page frame currently holds (the role struct page/ptdesc is playing).</summary>
public enum FrameKind
{
    /// <summary>On the free list.</summary>
    Free,
    /// <summary>pfn 0: never allocated, so that pmd_page() of a cleared entry lands somewhere harmless to name.</summary>
    Reserved,
    PgdTable,
    P4dTable,
    PudTable,
    PmdTable,
    PteTable,
    /// <summary>A data page (part of a folio).</summary>
    Data,
}
