namespace PtLock.Runtime.Tests;

/// <summary>Small machines and mms for tests, and a helper that reaches a PMD slot with its table allocated.</summary>
internal static class TestMachines
{
    public const ulong Base = 0x7f00_0000_0000UL;

    public static Machine Small(bool splitPte = true, bool splitPmd = true, StaleHandleMode stale = StaleHandleMode.Checked, int frames = 4096, bool validate = true) =>
        new(new MachineOptions
        {
            FrameCount = frames,
            SplitPteLocks = splitPte,
            SplitPmdLocks = splitPmd,
            StaleHandles = stale,
            Validate = validate,
            LockupTimeout = TimeSpan.FromSeconds(10),
        });

    /// <summary>The PMD slot for <paramref name="addr"/>, upper levels allocated, and a PTE table installed.</summary>
    public static Pmd PmdWithTable(Mm mm, ulong addr)
    {
        var pmd = PmdAllocWalk(mm, addr) ?? throw new InvalidOperationException("out of memory");
        Assert.False(PteAlloc(mm, pmd));
        return pmd;
    }

    /// <summary>Install <paramref name="value"/> at <paramref name="addr"/> under the ptl, the way a fault does.</summary>
    public static void SetEntry(Mm mm, Pmd pmd, ulong addr, PteVal value)
    {
        var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl) ?? throw new InvalidOperationException("no table");
        SetPteAt(mm, addr, pte, value);
        PteUnmapUnlock(pte, ptl);
    }
}
