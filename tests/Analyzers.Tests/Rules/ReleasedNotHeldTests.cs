namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL1004: a lock released while it is not held.</summary>
public class ReleasedNotHeldTests
{
    [Fact]
    public Task UnlockWithoutLock() => GenericRuleHarness.Verify("void M() { {|PTL1004:mu.Unlock()|}; }");

    [Fact]
    public Task UnlockTwice() => GenericRuleHarness.Verify("void M() { mu.Lock(); mu.Unlock(); {|PTL1004:mu.Unlock()|}; }");

    [Fact] // a [Requires] method may release what its caller holds only if it says so ([Releases])
    public Task DeclaredRelease() => GenericRuleHarness.Verify("""
        [Releases(nameof(mu))] void Drop() { mu.Unlock(); }
        void M() { mu.Lock(); Drop(); }
        """);
}
