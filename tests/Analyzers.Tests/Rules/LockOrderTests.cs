namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL1007: a lock acquired against a declared order ([AcquiredBefore]/[AcquiredAfter]).</summary>
public class LockOrderTests
{
    [Fact]
    public Task AgainstTheDeclaredOrder() => GenericRuleHarness.Verify("""
        [AcquiredBefore(nameof(second))] Mutex first = new Mutex();
        Mutex second = new Mutex();
        void Good() { first.Lock(); second.Lock(); second.Unlock(); first.Unlock(); }
        void Bad() { second.Lock(); {|PTL1007:first.Lock()|}; first.Unlock(); second.Unlock(); }
        """);

    [Fact] // locks with no declared order may nest either way
    public Task UndeclaredOrder() => GenericRuleHarness.Verify("void M() { mu2.Lock(); mu.Lock(); mu.Unlock(); mu2.Unlock(); }");
}
