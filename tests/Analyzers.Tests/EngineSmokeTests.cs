using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests;

public class EngineSmokeTests
{
    [Fact]
    public async Task BalancedLockUnlockIsSilent()
    {
        await AllRulesVerifier.VerifyAsync(Prelude.Mutex + """
            class C
            {
                Mutex mu = new Mutex();
                [GuardedBy(nameof(mu))] int a;
                void M() { mu.Lock(); a = 1; mu.Unlock(); }
            }
            """);
    }

    [Fact]
    public async Task LockNotReleasedIsReportedAtTheExit()
    {
        await AllRulesVerifier.VerifyAsync(Prelude.Mutex + """
            class C
            {
                Mutex mu = new Mutex();
                void M()
                {
                    mu.Lock();
                {|PTL1005:}|}
            }
            """);
    }

    [Fact]
    public async Task GuardedWriteWithoutLockIsReported()
    {
        await AllRulesVerifier.VerifyAsync(Prelude.Mutex + """
            class C
            {
                Mutex mu = new Mutex();
                [GuardedBy(nameof(mu))] int a;
                void M() { {|PTL1002:a|} = 1; }
                int R() => {|PTL1002:a|};
            }
            """);
    }
}
