using BenchmarkDotNet.Attributes;

namespace PtLock.Benchmarks;

/// <summary>
/// mm operations: anonymous write faults from one or two threads (in disjoint PMDs or the same PMD), and
/// MADV_DONTNEED over 1 GiB of sparse mappings with empty-table reclaim on or off.
/// </summary>
[MemoryDiagnoser]
public class MmOperationBenchmarks
{
    private const ulong Base = 0x7f00_0000_0000UL;
    private const int FaultsPerThread = 4096;

    private Machine _machine = null!;
    private Mm _mm = null!;
    private Vma _vma = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [Params(false, true)]
    public bool SamePmd { get; set; }

    [IterationSetup(Target = nameof(AnonymousWriteFaults))]
    public void SetupFaults()
    {
        _machine = new Machine(new MachineOptions { FrameCount = 1 << 15, Validate = false });
        _mm = new Mm(_machine);
        _vma = _mm.Mmap(Base, 64 * Geometry.PmdSize, VmFlags.Read | VmFlags.Write);
    }

    /// <summary>Each thread write-faults 4096 distinct pages: 8 PMD ranges of its own, or interleaved in shared ones.</summary>
    [Benchmark(OperationsPerInvoke = FaultsPerThread)]
    public void AnonymousWriteFaults()
    {
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int index = t;
            threads[t] = new Thread(() =>
            {
                for (int i = 0; i < FaultsPerThread; i++)
                {
                    ulong page = SamePmd ? (ulong)(i * Threads + index) : (ulong)(index * FaultsPerThread + i);
                    _mm.MmapLock.DownRead();
                    Memory.HandleMmFault(_vma, Base + page * Geometry.PageSize, FaultFlags.Write);
                    _mm.MmapLock.UpRead();
                }
            });
            threads[t].Start();
        }
        foreach (var t in threads)
            t.Join();
    }
}

/// <summary>MADV_DONTNEED over 1 GiB in which one page per 2 MiB is mapped (512 PTE tables).</summary>
[MemoryDiagnoser]
public class MadviseDontneedBenchmarks
{
    private const ulong Base = 0x7f00_0000_0000UL;
    private const ulong Size = 1UL << 30;
    private Machine _machine = null!;
    private Mm _mm = null!;
    private Vma _vma = null!;

    [Params(false, true)]
    public bool Reclaim { get; set; }

    public int TablesFreed { get; private set; }

    [IterationSetup]
    public void Setup()
    {
        _machine = new Machine(new MachineOptions { FrameCount = 1 << 12, Validate = false });
        _mm = new Mm(_machine);
        _vma = _mm.Mmap(Base, Size, VmFlags.Read | VmFlags.Write);
        _mm.MmapLock.DownRead();
        for (ulong addr = Base; addr < Base + Size; addr += Geometry.PmdSize)
            Memory.HandleMmFault(_vma, addr, FaultFlags.Write);
        _mm.MmapLock.UpRead();
    }

    [Benchmark]
    public int ZapOneGiB()
    {
        _mm.MmapLock.DownRead();
        TablesFreed = Memory.ZapPageRangeSingle(_vma, Base, Size, details: null, reclaimEmptyTables: Reclaim);
        _mm.MmapLock.UpRead();
        Rcu.Barrier();
        return TablesFreed;
    }
}

/// <summary>
/// Populating a 2 MiB shared file mapping whose 512 pages are all in the page cache, touching every page in
/// order: a fault only where the entry is still none, so fault-around turns 512 faults into 32.
/// </summary>
[MemoryDiagnoser]
public class FaultAroundBenchmarks
{
    private const ulong Base = 0x7f00_0000_0000UL;
    private Machine _machine = null!;
    private Mm _mm = null!;
    private Vma _vma = null!;

    [Params(1, 16)]
    public int FaultAroundPages { get; set; }

    public int Faults { get; private set; }

    [IterationSetup]
    public void Setup()
    {
        _machine = new Machine(new MachineOptions { FrameCount = 1 << 12, Validate = false, FaultAroundPages = FaultAroundPages });
        _mm = new Mm(_machine);
        var file = new AddressSpace(_machine, "data.bin");
        for (ulong i = 0; i < (ulong)Geometry.PtrsPerTable; i++)
            file.GetOrCreateFolio(i);
        _vma = _mm.Mmap(Base, Geometry.PmdSize, VmFlags.Read | VmFlags.Shared | VmFlags.MayShare, file, 0);
    }

    [Benchmark]
    public int PopulateTwoMiB()
    {
        Faults = 0;
        _mm.MmapLock.DownRead();
        for (int i = 0; i < Geometry.PtrsPerTable; i++)
        {
            ulong addr = Base + (ulong)i * Geometry.PageSize;
            if (IsMapped(addr))
                continue;
            Memory.HandleMmFault(_vma, addr, FaultFlags.User);
            Faults++;
        }
        _mm.MmapLock.UpRead();
        return Faults;
    }

    private bool IsMapped(ulong addr)
    {
        if (Rmap.MmFindPmd(_mm, addr) is not { } pmd)
            return false;
        var pte = PgtableGeneric.PteOffsetMap(pmd, addr);
        if (pte is null)
            return false;
        bool mapped = !Pgtable.PteNone(Pgtable.PtepGet(pte));
        PgtableGeneric.PteUnmap(pte);
        return mapped;
    }
}
