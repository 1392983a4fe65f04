using Verify = PtLock.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<PtLock.Analyzers.Rules.PteMapMayFailAnalyzer, PtLock.CodeFixes.InsertNullCheckCodeFix>;

namespace PtLock.Analyzers.Tests.CodeFixes;

public class InsertNullCheckCodeFixTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.PgtableGeneric;

        """;

    [Fact]
    public Task InsertsTheCheckAfterTheDeclaration() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            static void Touch(Pmd pmd, ulong addr)
            {
                var pte = PteOffsetMap(pmd, addr);
                PtepGet([|pte|]);
                PteUnmap(pte);
            }
        }
        """, Usings + """
        static class K
        {
            static void Touch(Pmd pmd, ulong addr)
            {
                var pte = PteOffsetMap(pmd, addr);
                if (pte == null)
                    return;
                PtepGet(pte);
                PteUnmap(pte);
            }
        }
        """, withRuntime: true);

    [Fact] // the return fits the method: false, default; Fix All handles both
    public Task ReturnMatchesTheMethodWithFixAll() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            static bool Present(Pmd pmd, ulong addr)
            {
                var pte = PteOffsetMap(pmd, addr);
                bool present = PtePresent(PtepGet([|pte|]));
                PteUnmap(pte);
                return present;
            }
            static PteVal Read(Pmd pmd, ulong addr)
            {
                var pte = PteOffsetMap(pmd, addr);
                var v = PtepGet([|pte|]);
                PteUnmap(pte);
                return v;
            }
        }
        """, Usings + """
        static class K
        {
            static bool Present(Pmd pmd, ulong addr)
            {
                var pte = PteOffsetMap(pmd, addr);
                if (pte == null)
                    return false;
                bool present = PtePresent(PtepGet(pte));
                PteUnmap(pte);
                return present;
            }
            static PteVal Read(Pmd pmd, ulong addr)
            {
                var pte = PteOffsetMap(pmd, addr);
                if (pte == null)
                    return default;
                var v = PtepGet(pte);
                PteUnmap(pte);
                return v;
            }
        }
        """, withRuntime: true);

    [Fact] // no invented value for a non-nullable reference return
    public Task NoFixWhenNothingSensibleCanBeReturned() => Verify.VerifyCodeFixAsync(Usings + """
        #nullable enable
        static class K
        {
            static string Describe(Pmd pmd, ulong addr)
            {
                var pte = PteOffsetMap(pmd, addr);
                var v = PtepGet([|pte|]);
                PteUnmap(pte);
                return v.ToString();
            }
        }
        """, Usings + """
        #nullable enable
        static class K
        {
            static string Describe(Pmd pmd, ulong addr)
            {
                var pte = PteOffsetMap(pmd, addr);
                var v = PtepGet([|pte|]);
                PteUnmap(pte);
                return v.ToString();
            }
        }
        """, withRuntime: true);
}
