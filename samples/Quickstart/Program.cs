// PtLock quickstart: build page tables by faulting, race two threads on the same addresses with the
// kernel's fault path and with a variant that skips the recheck under the ptl (the bug thread 003 warns
// about), and show what the validator reports.
using PtLock;
using static PtLock.Pgtable;
using static PtLock.PgtableGeneric;
using static PtLock.Spinlock;

namespace PtLock.Samples.Quickstart;

public static class Program
{
    private const ulong Base = 0x7f00_0000_0000UL;
    private const int Rounds = 2000;

    public static int Main()
    {
        var machine = new Machine(new MachineOptions { FrameCount = 1 << 14 });
        var mm = new Mm(machine);
        var vma = mm.Mmap(Base, 4 * Geometry.PmdSize, VmFlags.Read | VmFlags.Write);
        Console.WriteLine($"PtLock quickstart: {machine.Options.FrameCount} frames, {machine.Options.PagingLevels}-level paging, split PTE/PMD locks");
        Console.WriteLine($"mapped {vma}");

        // 1. Faults build the tables.
        Fault(vma, Base, write: false);
        Fault(vma, Base + Geometry.PageSize, write: true);
        Fault(vma, Base, write: true);
        Console.WriteLine($"after 3 faults: {mm.NrPtes} PTE table(s), {mm.AnonRss} anonymous page(s)");
        Console.WriteLine($"  {Base:x}: {ReadEntry(mm, Base)}");
        Console.WriteLine($"  {Base + Geometry.PageSize:x}: {ReadEntry(mm, Base + Geometry.PageSize)}");

        // 2. Two threads fault the same addresses through do_anonymous_page, which rechecks under the ptl.
        var kernelPath = Race(vma, Base + Geometry.PmdSize, (v, a) => Fault(v, a, write: true));
        Console.WriteLine($"race, kernel fault path: {kernelPath ?? "no violation"}; audit: {Describe(PageTableCheck.Audit(machine, new[] { mm }))}");

        // 3. The same race through a fault path that skips the pte_none() recheck.
        var buggyPath = Race(vma, Base + 2 * Geometry.PmdSize, FaultWithoutRecheck);
        Console.WriteLine($"race, no recheck under the ptl: {buggyPath ?? "the race did not hit in this run"}");

        // 4. A lock taken through a stale pointer after its table page was freed and reused.
        var table = PgAlloc.PteAllocOne(mm)!;
        var staleLock = LinuxMm.PtepLockptr(mm, table.EntryAt(0));
        PgAlloc.PteFree(mm, table);
        Folio.Alloc(machine);
        try
        {
            SpinLock(staleLock);
            SpinUnlock(staleLock);
            Console.WriteLine("stale ptl: not detected");
        }
        catch (PtLockViolationException e)
        {
            Console.WriteLine($"stale ptl: {e.Message}");
        }
        return kernelPath is null ? 0 : 1;
    }

    private static void Fault(Vma vma, ulong addr, bool write)
    {
        vma.Mm.MmapLock.DownRead();
        try { Memory.HandleMmFault(vma, addr, write ? FaultFlags.Write : FaultFlags.None); }
        finally { vma.Mm.MmapLock.UpRead(); }
    }

    /// <summary>Fault addresses one by one from two threads released together; the first violation, or null.</summary>
    private static string? Race(Vma vma, ulong start, Action<Vma, ulong> fault)
    {
        string? seen = null;
        using var together = new Barrier(2);
        void Racer()
        {
            for (int i = 0; i < Rounds && seen is null; i++)
            {
                together.SignalAndWait();
                try { fault(vma, start + (ulong)(i % 512) * Geometry.PageSize + (ulong)(i / 512) * Geometry.PmdSize); }
                catch (PtLockViolationException e) { seen ??= e.Message; }
            }
            together.RemoveParticipant();
        }
        var threads = new[] { new Thread(Racer), new Thread(Racer) };
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        return seen;
    }

    /// <summary>do_anonymous_page as it would be without "if (vmf_pte_changed(vmf)) goto release;".</summary>
    private static void FaultWithoutRecheck(Vma vma, ulong addr)
    {
        var mm = vma.Mm;
        mm.MmapLock.DownRead();
        Ptl? ptl = null;
        Pte? pte = null;
        try
        {
            var pmd = LinuxMm.PmdAllocWalk(mm, addr)!;
            if (LinuxMm.PteAlloc(mm, pmd))
                return;
            var folio = Folio.Alloc(mm.Machine)!;
            pte = PteOffsetMapLock(mm, pmd, addr, out var lockptr);
            if (pte is null)
            {
                folio.Put();
                return;
            }
            ptl = lockptr;
            Rmap.FolioAddNewAnonRmap(folio, vma, addr);
            SetPteAt(mm, addr, pte, PteMkwrite(PteMkdirty(PfnPte(folio.Pfn, vma.PageProt))));
        }
        finally
        {
            if (pte is not null)
                PteUnmapUnlock(pte, ptl!);
            mm.MmapLock.UpRead();
        }
    }

    private static PteVal ReadEntry(Mm mm, ulong addr)
    {
        var pmd = Rmap.MmFindPmd(mm, addr);
        if (pmd is null)
            return PteVal.Empty;
        var pte = PteOffsetMap(pmd, addr);
        if (pte is null)
            return PteVal.Empty;
        var value = PtepGet(pte);
        PteUnmap(pte);
        return value;
    }

    private static string Describe(IReadOnlyList<string> problems) =>
        problems.Count == 0 ? "consistent" : string.Join("; ", problems);
}
