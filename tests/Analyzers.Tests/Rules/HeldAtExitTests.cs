namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL1005: a lock still held at an exit of the method on some path.</summary>
public class HeldAtExitTests
{
    [Fact]
    public Task LeakAtTheEnd() => GenericRuleHarness.Verify("void M() { mu.Lock(); {|PTL1005:}|}");

    [Fact]
    public Task LeakOnAnEarlyReturn() => GenericRuleHarness.Verify("""
        void M()
        {
            mu.Lock();
            if (flag)
                {|PTL1005:return;|}
            mu.Unlock();
        }
        """);

    [Fact] // try/finally releases on every path
    public Task ReleasedInFinally() => GenericRuleHarness.Verify("""
        void M()
        {
            mu.Lock();
            try
            {
                if (flag)
                    return;
                a = 1;
            }
            finally
            {
                mu.Unlock();
            }
        }
        """);
}
