using PtLock.Analyzers.Rules;
using PtLock.CodeFixes;
using Verify = PtLock.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<PtLock.Analyzers.Rules.ReleasedNotHeldAnalyzer, PtLock.CodeFixes.RemoveStrayReleaseCodeFix>;

namespace PtLock.Analyzers.Tests.CodeFixes;

public class RemoveStrayReleaseCodeFixTests
{
    [Fact]
    public Task RemovesTheStrayRelease() => Verify.VerifyCodeFixAsync(Prelude.Mutex + """
        class C
        {
            Mutex mu = new Mutex();
            void M()
            {
                mu.Lock();
                mu.Unlock();
                [|mu.Unlock()|];
            }
        }
        """, Prelude.Mutex + """
        class C
        {
            Mutex mu = new Mutex();
            void M()
            {
                mu.Lock();
                mu.Unlock();
            }
        }
        """);

    [Fact] // Fix All: both stray releases go
    public Task FixAllRemovesEveryStrayRelease() => Verify.VerifyCodeFixAsync(Prelude.Mutex + """
        class C
        {
            Mutex mu = new Mutex();
            void M()
            {
                [|mu.Unlock()|];
            }
            void N(bool b)
            {
                if (b)
                    [|mu.Unlock()|];
            }
        }
        """, Prelude.Mutex + """
        class C
        {
            Mutex mu = new Mutex();
            void M()
            {
            }
            void N(bool b)
            {
                if (b)
                {
                }
            }
        }
        """);

    [Fact] // the failed-map case from the runtime: a null result holds nothing
    public Task FailedMapHoldsNothing() => Verify.VerifyCodeFixAsync("""
        using PtLock;
        using static PtLock.PgtableGeneric;
        using static PtLock.Spinlock;
        static class K
        {
            static void M(Mm mm, Pmd pmd, ulong addr)
            {
                var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
                if (pte == null)
                {
                    [|SpinUnlock(ptl)|];
                    return;
                }
                PteUnmapUnlock(pte, ptl);
            }
        }
        """, """
        using PtLock;
        using static PtLock.PgtableGeneric;
        using static PtLock.Spinlock;
        static class K
        {
            static void M(Mm mm, Pmd pmd, ulong addr)
            {
                var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
                if (pte == null)
                {
                    return;
                }
                PteUnmapUnlock(pte, ptl);
            }
        }
        """, withRuntime: true);
}
