using static PtLock.LinuxMm;

namespace PtLock.Benchmarks;

/// <summary>A machine with one mm and PTE tables installed at the given PMD-aligned addresses.</summary>
internal sealed class BenchTables
{
    public const ulong Base = 0x7f00_0000_0000UL;

    public BenchTables(bool validate, bool splitLocks = true, int pmds = 1)
    {
        Machine = new Machine(new MachineOptions
        {
            FrameCount = 4096,
            Validate = validate,
            SplitPteLocks = splitLocks,
            SplitPmdLocks = splitLocks,
        });
        Mm = new Mm(Machine);
        Pmds = new Pmd[pmds];
        for (int i = 0; i < pmds; i++)
        {
            ulong addr = Base + (ulong)i * Geometry.PmdSize;
            Pmds[i] = PmdAllocWalk(Mm, addr)!;
            if (PteAlloc(Mm, Pmds[i]))
                throw new OutOfMemoryException();
        }
    }

    public Machine Machine { get; }
    public Mm Mm { get; }
    public Pmd[] Pmds { get; }
}
