using Verify = PtLock.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<PtLock.Analyzers.Rules.UffdWpMarkerOnZapAnalyzer, PtLock.CodeFixes.InsertUffdWpMarkerCodeFix>;

namespace PtLock.Analyzers.Tests.CodeFixes;

public class InsertUffdWpMarkerCodeFixTests
{
    private const string Usings = """
        using PtLock;
        using PtLock.Contracts;
        using static PtLock.Pgtable;
        using static PtLock.PgtableGeneric;

        """;

    [Fact] // the value the clear returned goes to zap_install_uffd_wp_if_needed, with the zap's details
    public Task InsertsTheMarkerCallAfterTheClear() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            [ZapPath]
            static void Zap(Vma vma, Pte pte, ulong addr, ZapDetails? details)
            {
                var ptent = [|PtepGetAndClear(vma.Mm, addr, pte)|];
                _ = ptent;
            }
        }
        """, Usings + """
        static class K
        {
            [ZapPath]
            static void Zap(Vma vma, Pte pte, ulong addr, ZapDetails? details)
            {
                var ptent = PtepGetAndClear(vma.Mm, addr, pte);
                Memory.ZapInstallUffdWpIfNeeded(vma, addr, pte, details, ptent);
                _ = ptent;
            }
        }
        """, withRuntime: true);

    [Fact] // a void clear: the value read from the same pointer before it; no details in scope: null. Fix All.
    public Task VoidClearUsesTheEarlierReadWithFixAll() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            [ZapPath]
            static void Zap(Vma vma, Pte pte, ulong addr)
            {
                var mm = vma.Mm;
                var ptent = PtepGet(pte);
                if (PteNone(ptent))
                    return;
                [|PteClear(mm, addr, pte)|];
                var next = pte + 1;
                var second = PtepGet(next);
                [|PteClear(mm, addr + Geometry.PageSize, next)|];
            }
        }
        """, Usings + """
        static class K
        {
            [ZapPath]
            static void Zap(Vma vma, Pte pte, ulong addr)
            {
                var mm = vma.Mm;
                var ptent = PtepGet(pte);
                if (PteNone(ptent))
                    return;
                PteClear(mm, addr, pte);
                Memory.ZapInstallUffdWpIfNeeded(vma, addr, pte, null, ptent);
                var next = pte + 1;
                var second = PtepGet(next);
                PteClear(mm, addr + Geometry.PageSize, next);
                Memory.ZapInstallUffdWpIfNeeded(vma, addr + Geometry.PageSize, next, null, second);
            }
        }
        """, withRuntime: true);

    [Fact] // two VMAs in scope: which one the entry belongs to is not the fix's to guess
    public Task NoFixWhenTheVmaIsAmbiguous() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            [ZapPath]
            static void Zap(Vma vma, Vma other, Pte pte, ulong addr)
            {
                var ptent = [|PtepGetAndClear(vma.Mm, addr, pte)|];
                _ = ptent;
            }
        }
        """, Usings + """
        static class K
        {
            [ZapPath]
            static void Zap(Vma vma, Vma other, Pte pte, ulong addr)
            {
                var ptent = [|PtepGetAndClear(vma.Mm, addr, pte)|];
                _ = ptent;
            }
        }
        """, withRuntime: true);
}
