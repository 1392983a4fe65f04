using System.Runtime.InteropServices;

namespace PtLock;

/// <summary>
/// A word alone on its cache line. Frames and RCU reader records are allocated next to each other, so
/// without padding two CPUs taking the locks of two different tables (or entering RCU) would bounce one
/// line between them. (struct page is one cache line in the kernel for the same reason.)
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PaddedInt32
{
    [FieldOffset(64)] public int Value;
}

/// <summary>A 64-bit word alone on its cache line.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PaddedInt64
{
    [FieldOffset(64)] public long Value;
}
