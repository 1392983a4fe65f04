using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL0004: pte_offset_map* can fail.</summary>
public class PteMapMayFailTests
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
    public Task MapResultUsedBeforeTheNullTest() => Verify("""
        static PteVal Peek(Pmd pmd, ulong addr)
        {
            var pte = PteOffsetMap(pmd, addr);
            var v = PtepGet({|PTL0004:pte|});
            PteUnmap(pte);
            return v;
        }
        """);

    [Fact]
    public Task MapResultMemberAccessBeforeTheNullTest() => Verify("""
        static int Index(Mm mm, Pmd pmd, ulong addr)
        {
            var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
            int i = {|PTL0004:pte|}.Index;
            if (pte != null)
                PteUnmapUnlock(pte, ptl);
            return i;
        }
        """);

    [Fact]
    public Task NullTestedMapResultIsSilent() => Verify("""
        static PteVal Peek(Pmd pmd, ulong addr)
        {
            var pte = PteOffsetMap(pmd, addr);
            if (pte is null)
                return PteVal.Empty;
            var v = PtepGet(pte);
            PteUnmap(pte);
            return v;
        }
        """);

    [Fact] // mm_find_pmd is [Fallible] too
    public Task FallibleLookup() => Verify("""
        static void Walk(Mm mm, ulong addr)
        {
            var pmd = Rmap.MmFindPmd(mm, addr);
            var pte = PteOffsetMap({|PTL0004:pmd|}, addr);
            if (pte != null)
                PteUnmap(pte);
        }
        """);
}
