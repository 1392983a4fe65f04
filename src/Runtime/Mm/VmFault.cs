using PtLock.Contracts;

namespace PtLock;

/// <summary>vm_fault_t: the outcome bits of a fault.</summary>
[Flags]
public enum VmFaultResult
{
    None = 0,
    Oom = 0x000001,
    Sigbus = 0x000002,
    Major = 0x000004,
    Hwpoison = 0x000010,
    Sigsegv = 0x000040,
    NoPage = 0x000100,
    Locked = 0x000200,
    Retry = 0x000400,
    Fallback = 0x000800,
    DoneCow = 0x001000,
    Completed = 0x004000,
}

/// <summary>FAULT_FLAG_* (include/linux/mm_types.h).</summary>
[Flags]
public enum FaultFlags
{
    None = 0,
    Write = 1 << 0,
    Mkwrite = 1 << 1,
    AllowRetry = 1 << 2,
    RetryNowait = 1 << 3,
    Killable = 1 << 4,
    Tried = 1 << 5,
    User = 1 << 6,
    Remote = 1 << 7,
    Instruction = 1 << 8,
    Interruptible = 1 << 9,
    Unshare = 1 << 10,
    OrigPteValid = 1 << 11,
    VmaLock = 1 << 12,
}

/// <summary>struct vm_fault: the state of one fault as it moves down the handlers.</summary>
[Kernel("struct vm_fault")]
public sealed class VmFault
{
    internal VmFault(Vma vma, ulong realAddress, FaultFlags flags)
    {
        Vma = vma;
        RealAddress = realAddress;
        Address = realAddress & Geometry.PageMask;
        Flags = flags;
        Pgoff = vma.LinearPageIndex(Address);
    }

    public Vma Vma { get; }
    public ulong Address { get; }
    public ulong RealAddress { get; }
    public FaultFlags Flags { get; set; }
    public ulong Pgoff { get; }

    /// <summary>vmf->pmd: the PMD slot covering the address.</summary>
    public Pmd? Pmd { get; set; }

    /// <summary>vmf->orig_pmd: the PMD value read locklessly on entry.</summary>
    public PmdVal OrigPmd { get; set; }

    /// <summary>vmf->pte: the mapped PTE, when one is mapped.</summary>
    public Pte? Pte { get; set; }

    /// <summary>vmf->ptl: the lock of the PTE table <see cref="Pte"/> points into.</summary>
    [ReturnsCapability("PtepLockptr(Vma.Mm, Pte)")]
    public Ptl? Ptl { get; set; }

    /// <summary>vmf->orig_pte: the PTE value read before taking the lock (valid with <see cref="FaultFlags.OrigPteValid"/>).</summary>
    public PteVal OrigPte { get; set; }

    /// <summary>vmf->prealloc_pte: a PTE table allocated before taking locks (fault-around).</summary>
    public PteTable? PreallocPte { get; set; }

    public Mm Mm => Vma.Mm;
}
