namespace PtLock;

/// <summary>enum scan_result (mm/khugepaged.c): why khugepaged did or did not act on a range.</summary>
public enum ScanResult
{
    /// <summary>SCAN_SUCCEED.</summary>
    Succeed,
    /// <summary>SCAN_PMD_NULL: no PMD, or one that points to nothing khugepaged can use.</summary>
    PmdNull,
    /// <summary>SCAN_PMD_NONE.</summary>
    PmdNone,
    /// <summary>SCAN_PMD_MAPPED: already mapped by a huge PMD.</summary>
    PmdMapped,
    /// <summary>SCAN_FAIL: the PTEs changed, or map something else, under the locks.</summary>
    Fail,
    /// <summary>SCAN_VMA_CHECK: no suitable VMA (anonymous, too small, or the range sticks out).</summary>
    VmaCheck,
    /// <summary>SCAN_ADDRESS_RANGE: the range is not PMD-aligned inside the VMA.</summary>
    AddressRange,
    /// <summary>SCAN_PAGE_COMPOUND: the page cache holds no PMD-sized folio for the range.</summary>
    PageCompound,
    /// <summary>SCAN_PTE_NON_PRESENT: a swap or marker entry in the range.</summary>
    PteNonPresent,
    /// <summary>SCAN_PTE_UFFD_WP: the VMA is registered for uffd-wp (markers need small pages).</summary>
    PteUffdWp,
    /// <summary>SCAN_PTE_MAPPED_HUGEPAGE: a PMD-sized folio mapped by PTEs, ready for collapse_pte_mapped_thp.</summary>
    PteMappedHugepage,
}
