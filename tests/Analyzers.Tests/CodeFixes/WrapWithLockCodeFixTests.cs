using Verify = PtLock.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<PtLock.Analyzers.Rules.RequiresLockNotHeldAnalyzer, PtLock.CodeFixes.WrapWithLockCodeFix>;

namespace PtLock.Analyzers.Tests.CodeFixes;

public class WrapWithLockCodeFixTests
{
    [Fact]
    public Task WrapsTheCallingStatement() => Verify.VerifyCodeFixAsync(Prelude.Mutex + """
        class C
        {
            Mutex mu = new Mutex();
            [Requires(nameof(mu))] void NeedsMu() { }
            void M()
            {
                [|NeedsMu()|];
            }
        }
        """, Prelude.Mutex + """
        class C
        {
            Mutex mu = new Mutex();
            [Requires(nameof(mu))] void NeedsMu() { }
            void M()
            {
                mu.Lock();
                NeedsMu();
                mu.Unlock();
            }
        }
        """);

    [Fact] // shared requirement: the shared acquire and release; embedded statement becomes a block; Fix All
    public Task SharedAndEmbeddedWithFixAll() => Verify.VerifyCodeFixAsync(Prelude.Mutex + """
        class C
        {
            Mutex mu = new Mutex();
            [RequiresShared(nameof(mu))] int Reads() => 0;
            void M(bool b)
            {
                if (b)
                    [|Reads()|];
                var x = [|Reads()|];
            }
        }
        """, Prelude.Mutex + """
        class C
        {
            Mutex mu = new Mutex();
            [RequiresShared(nameof(mu))] int Reads() => 0;
            void M(bool b)
            {
                if (b)
                {
                    mu.ReaderLock();
                    Reads();
                    mu.ReaderUnlock();
                }
                mu.ReaderLock();
                var x = Reads();
                mu.ReaderUnlock();
            }
        }
        """);

    [Fact] // no fix where the release could not follow the statement
    public Task NoFixForAReturn() => Verify.VerifyCodeFixAsync(Prelude.Mutex + """
        class C
        {
            Mutex mu = new Mutex();
            [Requires(nameof(mu))] int NeedsMu() => 1;
            int M() { return [|NeedsMu()|]; }
        }
        """, Prelude.Mutex + """
        class C
        {
            Mutex mu = new Mutex();
            [Requires(nameof(mu))] int NeedsMu() => 1;
            int M() { return [|NeedsMu()|]; }
        }
        """);
}
