using BenchmarkDotNet.Attributes;
using static PtLock.Pgtable;
using static PtLock.PgtableGeneric;

namespace PtLock.Benchmarks;

/// <summary>
/// One locked PTE write (pte_offset_map_lock + set_pte_at + pte_unmap_unlock), one lockless walk
/// (pte_offset_map + ptep_get + pte_unmap) and one RCU read section, against the minimal C# doing the
/// same work: a ulong[] slot written under a System.Threading.Lock, and a plain array read.
/// </summary>
[MemoryDiagnoser]
public class PteAccessBenchmarks
{
    private const ulong Addr = BenchTables.Base + 17 * Geometry.PageSize;
    private BenchTables _off = null!;
    private BenchTables _on = null!;
    private readonly PteVal _entry = PfnPte(7, PgProt.ReadWrite);
    private readonly ulong[] _slots = new ulong[512];
    private readonly Lock _lock = new();

    [GlobalSetup]
    public void Setup()
    {
        _off = new BenchTables(validate: false);
        _on = new BenchTables(validate: true);
    }

    [Benchmark(Baseline = true, Description = "baseline: ulong[] slot written under System.Threading.Lock")]
    public void BaselineLockedWrite()
    {
        lock (_lock)
            Volatile.Write(ref _slots[17], _entry.Raw);
    }

    [Benchmark(Description = "map_lock + set_pte_at + unmap_unlock, validator off")]
    public void LockedPteWriteValidatorOff() => LockedWrite(_off);

    [Benchmark(Description = "map_lock + set_pte_at + unmap_unlock, validator on")]
    public void LockedPteWriteValidatorOn() => LockedWrite(_on);

    private void LockedWrite(BenchTables t)
    {
        var pte = PteOffsetMapLock(t.Mm, t.Pmds[0], Addr, out var ptl)!;
        SetPteAt(t.Mm, Addr, pte, _entry);
        PteUnmapUnlock(pte, ptl);
    }

    [Benchmark(Description = "baseline: plain array read")]
    public ulong BaselineRead() => Volatile.Read(ref _slots[17]);

    [Benchmark(Description = "pte_offset_map + ptep_get + pte_unmap, validator off")]
    public PteVal LocklessWalkValidatorOff() => Walk(_off);

    [Benchmark(Description = "pte_offset_map + ptep_get + pte_unmap, validator on")]
    public PteVal LocklessWalkValidatorOn() => Walk(_on);

    private static PteVal Walk(BenchTables t)
    {
        var pte = PteOffsetMap(t.Pmds[0], Addr)!;
        var v = PtepGet(pte);
        PteUnmap(pte);
        return v;
    }

    [Benchmark(Description = "rcu_read_lock + rcu_read_unlock")]
    public void RcuReadSection()
    {
        Rcu.ReadLock();
        Rcu.ReadUnlock();
    }
}
