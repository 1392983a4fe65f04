namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL1009: a sleeping lock acquired (or a [MaySleep] call made) while a spinlock or RCU section is held.</summary>
public class SleepingUnderSpinTests
{
    [Fact]
    public Task SleepingLockUnderASpinlock() => GenericRuleHarness.Verify("void M() { spin.Lock(); {|PTL1009:mu.Lock()|}; mu.Unlock(); spin.Unlock(); }");

    [Fact]
    public Task SleepingLockInsideRcu() => GenericRuleHarness.Verify("void M() { Rcu.ReadLock(); {|PTL1009:mu.Lock()|}; mu.Unlock(); Rcu.ReadUnlock(); }");

    [Fact] // the other way round is the normal order
    public Task SpinlockUnderASleepingLock() => GenericRuleHarness.Verify("void M() { mu.Lock(); spin.Lock(); spin.Unlock(); mu.Unlock(); }");
}
