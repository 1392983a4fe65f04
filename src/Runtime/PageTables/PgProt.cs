namespace PtLock;

/// <summary>pgprot_t: the protection bits an entry is built with (vma->vm_page_prot).</summary>
public readonly record struct PgProt(ulong Bits)
{
    public static PgProt None => new(EntryBits.ProtNone | EntryBits.Accessed);
    public static PgProt ReadOnly => new(EntryBits.Present | EntryBits.User | EntryBits.Accessed | EntryBits.Nx);
    public static PgProt ReadWrite => new(EntryBits.Present | EntryBits.User | EntryBits.Rw | EntryBits.Accessed | EntryBits.Nx);

    /// <summary>The bits of a pgprot that may legally appear beside a pfn.</summary>
    internal ulong Flags => Bits & ~EntryBits.PfnMask;
}
