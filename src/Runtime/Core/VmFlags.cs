namespace PtLock;

/// <summary>vm_flags bits (include/linux/mm.h), with the kernel's values.</summary>
[Flags]
public enum VmFlags : ulong
{
    None = 0,
    Read = 0x00000001,
    Write = 0x00000002,
    Exec = 0x00000004,
    Shared = 0x00000008,
    MayRead = 0x00000010,
    MayWrite = 0x00000020,
    MayExec = 0x00000040,
    MayShare = 0x00000080,
    UffdMissing = 0x00000200,
    UffdWp = 0x00001000,
    Hugetlb = 0x00400000,
}
