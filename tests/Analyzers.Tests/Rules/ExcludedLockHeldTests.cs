namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL1008: a call whose contract excludes a lock the caller holds ([Excludes]).</summary>
public class ExcludedLockHeldTests
{
    [Fact]
    public Task CallWhileHoldingTheExcludedLock() => GenericRuleHarness.Verify("""
        [Excludes(nameof(mu))] void TakesMu() { mu.Lock(); mu.Unlock(); }
        void M() { mu.Lock(); {|PTL1008:TakesMu()|}; mu.Unlock(); }
        """);

    [Fact]
    public Task CallWithoutIt() => GenericRuleHarness.Verify("""
        [Excludes(nameof(mu))] void TakesMu() { mu.Lock(); mu.Unlock(); }
        void M() { TakesMu(); }
        """);
}
