namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL1003: a lock acquired while the same thread already holds it.</summary>
public class AcquiredTwiceTests
{
    [Fact]
    public Task LockTwice() => GenericRuleHarness.Verify("void M() { mu.Lock(); {|PTL1003:mu.Lock()|}; mu.Unlock(); }");

    [Fact]
    public Task TwoDifferentLocks() => GenericRuleHarness.Verify("void M() { mu.Lock(); mu2.Lock(); mu2.Unlock(); mu.Unlock(); }");

    [Fact] // re-taking after the release is fine
    public Task LockAgainAfterUnlock() => GenericRuleHarness.Verify("void M() { mu.Lock(); mu.Unlock(); mu.Lock(); mu.Unlock(); }");
}
