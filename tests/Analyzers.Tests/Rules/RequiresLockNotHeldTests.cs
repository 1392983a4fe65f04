namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL1001: a call whose contract requires a lock the caller does not hold.</summary>
public class RequiresLockNotHeldTests
{
    [Fact]
    public Task CallWithoutTheLock() => GenericRuleHarness.Verify("""
        [Requires(nameof(mu))] void NeedsMu() { a = 1; }
        void M() { {|PTL1001:NeedsMu()|}; }
        """);

    [Fact]
    public Task CallUnderTheLock() => GenericRuleHarness.Verify("""
        [Requires(nameof(mu))] void NeedsMu() { a = 1; }
        void M() { mu.Lock(); NeedsMu(); mu.Unlock(); }
        """);

    [Fact] // exclusive required, shared held
    public Task SharedIsNotEnoughForAnExclusiveRequirement() => GenericRuleHarness.Verify("""
        [Requires(nameof(mu))] void NeedsMu() { a = 1; }
        void M() { mu.ReaderLock(); {|PTL1001:NeedsMu()|}; mu.ReaderUnlock(); }
        """);
}
