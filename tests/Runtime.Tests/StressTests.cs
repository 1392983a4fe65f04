using System.Collections.Concurrent;
using System.Diagnostics;

namespace PtLock.Runtime.Tests;

/// <summary>
/// Real threads racing on one mm with the validator on: faults populate tables, a zapper clears entries
/// (MADV_DONTNEED), a reclaimer frees empty tables through RCU (thread 004), a lockless walker maps and
/// reads tables. Afterwards the whole machine must be consistent.
/// </summary>
public class StressTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Pmds = 16;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(1.5);

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void FaultZapReclaimAndLocklessWalkersRaceWithoutViolations(bool splitPte, bool splitPmd)
    {
        var machine = TestMachines.Small(splitPte: splitPte, splitPmd: splitPmd, frames: 1 << 14);
        var mm = new Mm(machine);
        var vma = mm.Mmap(TestMachines.Base, Pmds * Geometry.PmdSize, VmFlags.Read | VmFlags.Write);
        var failures = new ConcurrentQueue<Exception>();
        var stop = Stopwatch.StartNew();
        long faults = 0, zapped = 0, reclaimed = 0, walked = 0;

        void Run(int seed, Action<Random> step)
        {
            var rng = new Random(seed);
            try
            {
                while (stop.Elapsed < Duration && failures.IsEmpty)
                {
                    mm.MmapLock.DownRead();
                    try { step(rng); }
                    finally { mm.MmapLock.UpRead(); }
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        }

        ulong RandomAddr(Random rng) => TestMachines.Base + (ulong)rng.Next(Pmds * 512) * Geometry.PageSize;

        var workers = new List<Thread>
        {
            new(() => Run(1, rng => { Memory.HandleMmFault(vma, RandomAddr(rng), rng.Next(4) == 0 ? FaultFlags.None : FaultFlags.Write); Interlocked.Increment(ref faults); })),
            new(() => Run(2, rng => { Memory.HandleMmFault(vma, RandomAddr(rng), FaultFlags.Write); Interlocked.Increment(ref faults); })),
            new(() => Run(3, rng =>
            {
                // MADV_DONTNEED of one 2 MiB range: zap every entry, then try to free the emptied table.
                ulong addr = RandomAddr(rng) & Geometry.PmdMask;
                var tlb = MmuGather.TlbGatherMmu(mm);
                Interlocked.Add(ref zapped, ZapRange(mm, vma, addr, tlb));
                if (Rmap.MmFindPmd(mm, addr) is { } pmd && PtReclaim.TryToFreePte(mm, pmd, addr, tlb))
                    Interlocked.Increment(ref reclaimed);
                MmuGather.TlbFinishMmu(tlb);
            })),
            new(() => Run(4, rng =>
            {
                ulong addr = RandomAddr(rng) & Geometry.PmdMask;
                var pmd = Rmap.MmFindPmd(mm, addr);
                if (pmd is null) return;
                var tlb = MmuGather.TlbGatherMmu(mm);
                if (PtReclaim.TryToFreePte(mm, pmd, addr, tlb))
                    Interlocked.Increment(ref reclaimed);
                MmuGather.TlbFinishMmu(tlb);
            })),
            new(() => Run(5, rng =>
            {
                ulong addr = RandomAddr(rng);
                var pmd = Rmap.MmFindPmd(mm, addr);
                if (pmd is null) return;
                var pte = PteOffsetMap(pmd, addr);
                if (pte is null) return;
                var start = pte - pte.Index;
                for (int i = 0; i < 512; i += 37)
                    _ = PtepGet(start + i);
                PteUnmap(pte);
                Interlocked.Increment(ref walked);
            })),
        };
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());

        output.WriteLine($"split pte {splitPte}, split pmd {splitPmd}: faults {faults}, entries zapped {zapped}, tables reclaimed {reclaimed}, lockless walks {walked}");
        Assert.True(failures.IsEmpty, string.Join("\n\n", failures));
        Rcu.Barrier();
        Assert.Empty(PageTableCheck.Audit(machine, new[] { mm }));
        Assert.True(faults > 100 && zapped > 10 && reclaimed > 0 && walked > 100,
            $"every racer must have done real work: faults {faults}, zapped {zapped}, reclaimed {reclaimed}, walked {walked}");
        Assert.Equal(CountPresentAnon(machine, mm), mm.AnonRss);
    }

    /// <summary>Clear every entry of one PMD range under the ptl, as zap_pte_range does for anonymous pages.</summary>
    private static int ZapRange(Mm mm, Vma vma, ulong addr, MmuGather tlb)
    {
        var pmd = Rmap.MmFindPmd(mm, addr);
        if (pmd is null)
            return 0;
        var start = PteOffsetMapLock(mm, pmd, addr, out var ptl);
        int n = 0;
        if (start is not null)
        {
            var pte = start;
            for (int i = 0; i < Geometry.PtrsPerPte; i++, pte++, addr += Geometry.PageSize)
            {
                var old = PtepGet(pte);
                if (PteNone(old))
                    continue;
                old = PtepGetAndClear(mm, addr, pte);
                n++;
                if (PtePfn(old) == Memory.ZeroPfn)
                    continue;
                var folio = mm.Machine.Memory.FrameOf(PtePfn(old)).Folio!;
                Rmap.FolioRemoveRmapPte(folio, vma);
                mm.AddRssForTest(-1);
                MmuGather.TlbRemoveFolio(tlb, folio);
            }
            PteUnmapUnlock(start, ptl);
        }
        return n;
    }

    private static long CountPresentAnon(Machine machine, Mm mm)
    {
        long count = 0;
        for (ulong a = TestMachines.Base; a < TestMachines.Base + Pmds * Geometry.PmdSize; a += Geometry.PmdSize)
        {
            var pmd = Rmap.MmFindPmd(mm, a);
            var pte = pmd is null ? null : PteOffsetMap(pmd, a);
            if (pte is null)
                continue;
            for (int i = 0; i < 512; i++)
            {
                var v = PtepGet(pte + i);
                if (PtePresent(v) && PtePfn(v) != Memory.ZeroPfn)
                    count++;
            }
            PteUnmap(pte);
        }
        return count;
    }
}
