using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL0010: no use after unmap.</summary>
public class UseAfterUnmapTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.LinuxMm;
        using static PtLock.PgtableGeneric;
        using static PtLock.Spinlock;

        """;

    private static Task Verify(string body) => AllRulesVerifier.VerifyAsync(Usings + "static class K\n{\n" + body + "\n}\n", withRuntime: true);


    [Fact]
    public Task PteReadAfterUnmap() => Verify("""
        static PteVal Late(Pmd pmd, ulong addr)
        {
            var pte = PteOffsetMap(pmd, addr);
            if (pte == null)
                return PteVal.Empty;
            PteUnmap(pte);
            return PtepGet({|PTL0010:pte|});
        }
        """);

    [Fact] // a ptl from a *_nolock map is only good while the table is mapped (or under the PMD lock)
    public Task NolockPtlTakenAfterUnmap() => Verify("""
        static void Late(Mm mm, Pmd pmd, ulong addr)
        {
            var pte = PteOffsetMapRoNolock(mm, pmd, addr, out var ptl);
            if (pte == null)
                return;
            PteUnmap(pte);
            SpinLock({|PTL0010:ptl|});
            SpinUnlock(ptl); // releasing a lock that is held is fine
        }
        """);

    [Fact] // a fresh map gives a fresh pointer
    public Task RemapIsFine() => Verify("""
        static PteVal Twice(Pmd pmd, ulong addr)
        {
            var pte = PteOffsetMap(pmd, addr);
            if (pte == null)
                return PteVal.Empty;
            PteUnmap(pte);
            pte = PteOffsetMap(pmd, addr);
            if (pte == null)
                return PteVal.Empty;
            var v = PtepGet(pte);
            PteUnmap(pte);
            return v;
        }
        """);
}
