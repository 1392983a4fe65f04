using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL0003: recheck under the ptl before installing (thread 003).</summary>
public class PteRecheckUnderPtlTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.LinuxMm;
        using static PtLock.PgtableGeneric;
        using static PtLock.Spinlock;

        """;

    private static Task Verify(string body) => AllRulesVerifier.VerifyAsync(Usings + "static class K\n{\n" + body + "\n}\n", withRuntime: true);


    [Fact] // alloc_set_pte without the pte_none() recheck
    public Task InstallWithoutRecheck() => Verify("""
        static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
        {
            var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
            if (pte == null)
                return;
            {|PTL0003:SetPteAt(mm, addr, pte, entry)|};
            PteUnmapUnlock(pte, ptl);
        }
        """);

    [Fact] // the recheck may compare against the value read before taking the lock
    public Task RecheckWithPteSame() => Verify("""
        static void Upgrade(Mm mm, Pmd pmd, ulong addr, PteVal orig, PteVal entry)
        {
            var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
            if (pte == null)
                return;
            if (PteSame(PtepGet(pte), orig))
                SetPteAt(mm, addr, pte, entry);
            PteUnmapUnlock(pte, ptl);
        }
        """);

    [Fact] // a recheck before the lock was taken does not count
    public Task RecheckBeforeTheLockDoesNotCount() => Verify("""
        static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
        {
            var peek = PteOffsetMap(pmd, addr);
            if (peek == null)
                return;
            bool empty = PteNone(PtepGet(peek));
            PteUnmap(peek);
            if (!empty)
                return;
            var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
            if (pte == null)
                return;
            {|PTL0003:SetPteAt(mm, addr, pte, entry)|};
            PteUnmapUnlock(pte, ptl);
        }
        """);
}
