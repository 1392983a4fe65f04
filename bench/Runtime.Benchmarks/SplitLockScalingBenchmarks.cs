using BenchmarkDotNet.Attributes;
using static PtLock.Pgtable;
using static PtLock.PgtableGeneric;

namespace PtLock.Benchmarks;

/// <summary>
/// Locked PTE writes from 1 or 2 threads, each in its own PMD range: with split ptlocks the threads take
/// different locks; with mm->page_table_lock they contend for one.
/// </summary>
public class SplitLockScalingBenchmarks
{
    private const int OpsPerThread = 200_000;
    private BenchTables _tables = null!;

    [Params(true, false)]
    public bool SplitLocks { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup() => _tables = new BenchTables(validate: false, SplitLocks, pmds: 2);

    [Benchmark(OperationsPerInvoke = OpsPerThread)]
    public void LockedWritesInDisjointPmds()
    {
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int index = t;
            threads[t] = new Thread(() => Work(_tables, index));
            threads[t].Start();
        }
        foreach (var t in threads)
            t.Join();
    }

    /// <summary>
    /// The control: the minimal C# doing the same per-thread work (its own Lock and its own array), to show how
    /// far two threads scale on this machine at all.
    /// </summary>
    [Benchmark(OperationsPerInvoke = OpsPerThread)]
    public void BaselineLockedWritesInDisjointArrays()
    {
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            threads[t] = new Thread(static () =>
            {
                var gate = new Lock();
                var slots = new ulong[512];
                for (int i = 0; i < OpsPerThread; i++)
                {
                    lock (gate)
                        Volatile.Write(ref slots[i & 511], 7UL << 12);
                }
            });
            threads[t].Start();
        }
        foreach (var t in threads)
            t.Join();
    }

    private static void Work(BenchTables tables, int index)
    {
        var mm = tables.Mm;
        var pmd = tables.Pmds[index];
        ulong baseAddr = BenchTables.Base + (ulong)index * Geometry.PmdSize;
        var entry = PfnPte(7, PgProt.ReadWrite);
        for (int i = 0; i < OpsPerThread; i++)
        {
            ulong addr = baseAddr + (ulong)(i & 511) * Geometry.PageSize;
            var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl)!;
            SetPteAt(mm, addr, pte, entry);
            PteUnmapUnlock(pte, ptl);
        }
    }
}
