using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL0009: in a zap path, each cleared entry is followed by the uffd-wp marker call on it (thread 002).</summary>
public class UffdWpMarkerOnZapTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.PgtableGeneric;

        """;

    private static Task Verify(string body) => AllRulesVerifier.VerifyAsync(Usings + "static class K\n{\n" + body + "\n}\n", withRuntime: true);

    [Fact]
    public Task ZapWithoutMarker() => Verify("""
        [PtLock.Contracts.ZapPath]
        static void Zap(Vma vma, Pmd pmd, ulong addr)
        {
            var pte = PteOffsetMapLock(vma.Mm, pmd, addr, out var ptl);
            if (pte == null)
                return;
            var old = {|PTL0009:PtepGetAndClear(vma.Mm, addr, pte)|};
            PteUnmapUnlock(pte, ptl);
        }
        """);

    [Fact]
    public Task ZapWithMarker() => Verify("""
        [PtLock.Contracts.ZapPath]
        static void Zap(Vma vma, Pmd pmd, ulong addr, ZapDetails? details)
        {
            var pte = PteOffsetMapLock(vma.Mm, pmd, addr, out var ptl);
            if (pte == null)
                return;
            var old = PtepGetAndClear(vma.Mm, addr, pte);
            Memory.ZapInstallUffdWpIfNeeded(vma, addr, pte, details, old);
            PteUnmapUnlock(pte, ptl);
        }
        """);

    [Fact] // [ZapPath] targets methods, accessors included
    public Task ZapPathOnAnAccessor() => Verify("""
        static Vma s_vma = null!;
        static Pmd s_pmd = null!;

        static ulong Cleared
        {
            [PtLock.Contracts.ZapPath]
            get
            {
                var pte = PteOffsetMapLock(s_vma.Mm, s_pmd, 0, out var ptl);
                if (pte == null)
                    return 0;
                var old = {|PTL0009:PtepGetAndClear(s_vma.Mm, 0, pte)|};
                PteUnmapUnlock(pte, ptl);
                return 1;
            }
        }
        """);

    [Fact] // the attribute on a partial method's declaring part covers the implementing part, which carries none
    public Task ZapPathOnTheOtherPartOfAPartialMethod() => AllRulesVerifier.VerifyAsync(Usings + """
        static partial class K
        {
            [PtLock.Contracts.ZapPath]
            static partial void Zap(Vma vma, Pmd pmd, ulong addr);

            static partial void Zap(Vma vma, Pmd pmd, ulong addr)
            {
                var pte = PteOffsetMapLock(vma.Mm, pmd, addr, out var ptl);
                if (pte == null)
                    return;
                var old = {|PTL0009:PtepGetAndClear(vma.Mm, addr, pte)|};
                PteUnmapUnlock(pte, ptl);
            }
        }
        """, withRuntime: true);

    [Fact] // clearing outside a zap path (a COW replace) is not this rule's business
    public Task ClearOutsideAZapPath() => Verify("""
        static void Replace(Mm mm, Pmd pmd, ulong addr, PteVal orig, PteVal entry)
        {
            var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
            if (pte == null)
                return;
            if (PteSame(PtepGet(pte), orig))
            {
                var old = PtepGetAndClear(mm, addr, pte);
                SetPteAt(mm, addr, pte, entry);
            }
            PteUnmapUnlock(pte, ptl);
        }
        """);

    [Fact] // the marker call for one entry does not cover a clear of another
    public Task MarkerForAnotherEntryDoesNotCount() => Verify("""
        [PtLock.Contracts.ZapPath, PtLock.Contracts.Requires("PtepLockptr(vma.Mm, pte)"), PtLock.Contracts.Requires("PtepLockptr(vma.Mm, other)")]
        static void Zap(Vma vma, Pte pte, Pte other, ulong addr)
        {
            var old = {|PTL0009:PtepGetAndClear(vma.Mm, addr, pte)|};
            Memory.ZapInstallUffdWpIfNeeded(vma, addr, other, null, old);
        }
        """);

    [Fact] // a marker call before the clear cannot keep what the clear removes
    public Task MarkerBeforeTheClearDoesNotCount() => Verify("""
        [PtLock.Contracts.ZapPath, PtLock.Contracts.Requires("PtepLockptr(vma.Mm, pte)")]
        static void Zap(Vma vma, Pte pte, ulong addr)
        {
            var v = PtepGet(pte);
            Memory.ZapInstallUffdWpIfNeeded(vma, addr, pte, null, v);
            {|PTL0009:PteClear(vma.Mm, addr, pte)|};
        }
        """);

    [Fact] // zap_pte_range's two clears (present, and swap-form entries), each followed by its marker call
    public Task EachClearWithItsMarkerInALoop() => Verify("""
        [PtLock.Contracts.ZapPath]
        static void Zap(Vma vma, Pmd pmd, ulong addr, ulong end, ZapDetails? details)
        {
            var start = PteOffsetMapLock(vma.Mm, pmd, addr, out var ptl);
            if (start == null)
                return;
            for (var pte = start; addr != end; pte++, addr += Geometry.PageSize)
            {
                var ptent = PtepGet(pte);
                if (PtePresent(ptent))
                {
                    ptent = PtepGetAndClear(vma.Mm, addr, pte);
                    Memory.ZapInstallUffdWpIfNeeded(vma, addr, pte, details, ptent);
                    continue;
                }
                {|PTL0009:PteClear(vma.Mm, addr, pte)|};
            }
            PteUnmapUnlock(start, ptl);
        }
        """);

    [Fact] // a marker call after the loop is outside the iteration that cleared the entry
    public Task MarkerAfterTheLoopDoesNotCount() => Verify("""
        [PtLock.Contracts.ZapPath, PtLock.Contracts.Requires("PtepLockptr(vma.Mm, pte)")]
        static void Zap(Vma vma, Pte pte, ulong addr, int n)
        {
            PteVal last = PteVal.Empty;
            for (int i = 0; i < n; i++)
                last = {|PTL0009:PtepGetAndClear(vma.Mm, addr, pte)|};
            Memory.ZapInstallUffdWpIfNeeded(vma, addr, pte, null, last);
        }
        """);
}
