using Verify = PtLock.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<PtLock.Analyzers.Rules.HeldAtExitAnalyzer, PtLock.CodeFixes.InsertReleaseCodeFix>;

namespace PtLock.Analyzers.Tests.CodeFixes;

public class InsertReleaseCodeFixTests
{
    [Fact]
    public Task ReleasesBeforeAnEmbeddedReturn() => Verify.VerifyCodeFixAsync(Prelude.Mutex + """
        class C
        {
            Mutex mu = new Mutex();
            bool flag;
            void M()
            {
                mu.Lock();
                if (flag)
                    [|return;|]
                mu.Unlock();
            }
        }
        """, Prelude.Mutex + """
        class C
        {
            Mutex mu = new Mutex();
            bool flag;
            void M()
            {
                mu.Lock();
                if (flag)
                {
                    mu.Unlock();
                    return;
                }
                mu.Unlock();
            }
        }
        """);

    [Fact]
    public Task ReleasesAtTheEndOfTheMethod() => Verify.VerifyCodeFixAsync(Prelude.Mutex + """
        class C
        {
            Mutex mu = new Mutex();
            int M()
            {
                mu.Lock();
                if (mu != null)
                    return 1;
                mu.Unlock();
                return 0;
            }
            void N()
            {
                mu.Lock();
            [|}|]
        }
        """.Replace("    int M()\n    {\n        mu.Lock();\n        if (mu != null)\n            return 1;\n        mu.Unlock();\n        return 0;\n    }\n", ""), Prelude.Mutex + """
        class C
        {
            Mutex mu = new Mutex();
            void N()
            {
                mu.Lock();
                mu.Unlock();
            }
        }
        """);

    [Fact] // a static helper that takes the lock: SpinUnlock(ptl)
    public Task UsesTheStaticReleaseOfThePtLockApi() => Verify.VerifyCodeFixAsync("""
        using PtLock;
        using static PtLock.LinuxMm;
        using static PtLock.Pgtable;
        using static PtLock.Spinlock;
        static class K
        {
            static void M(Mm mm, Pmd pmd)
            {
                var pml = PmdLock(mm, pmd);
                if (PmdNone(PmdpGet(pmd)))
                    [|return;|]
                SpinUnlock(pml);
            }
        }
        """, """
        using PtLock;
        using static PtLock.LinuxMm;
        using static PtLock.Pgtable;
        using static PtLock.Spinlock;
        static class K
        {
            static void M(Mm mm, Pmd pmd)
            {
                var pml = PmdLock(mm, pmd);
                if (PmdNone(PmdpGet(pmd)))
                {
                    SpinUnlock(pml);
                    return;
                }
                SpinUnlock(pml);
            }
        }
        """, withRuntime: true);

    [Fact] // a static lock released by its type's parameterless method
    public Task ReleasesAStaticLock() => Verify.VerifyCodeFixAsync(Prelude.Mutex + """
        class C
        {
            void M(bool b)
            {
                Rcu.ReadLock();
                if (b)
                    [|return;|]
                Rcu.ReadUnlock();
            }
        }
        """, Prelude.Mutex + """
        class C
        {
            void M(bool b)
            {
                Rcu.ReadLock();
                if (b)
                {
                    Rcu.ReadUnlock();
                    return;
                }
                Rcu.ReadUnlock();
            }
        }
        """);
}
