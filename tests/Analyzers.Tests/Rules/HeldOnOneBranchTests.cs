namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL1006: a lock held on one branch only where the branches join.</summary>
public class HeldOnOneBranchTests
{
    [Fact]
    public Task LockedOnOneBranch() => GenericRuleHarness.Verify("""
        void M()
        {
            if (flag)
                mu.Lock();
            {|PTL1006:flag = false;|}
            if (flag)
                mu.Unlock();
        }
        """);

    [Fact] // both branches agree: no warning
    public Task BothBranchesLock() => GenericRuleHarness.Verify("""
        void M()
        {
            if (flag)
                mu.Lock();
            else
                mu.Lock();
            a = 1;
            mu.Unlock();
        }
        """);
}
