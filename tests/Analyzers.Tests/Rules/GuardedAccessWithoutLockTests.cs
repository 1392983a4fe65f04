namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL1002: a [GuardedBy] member read without its lock, or written without it held exclusively.</summary>
public class GuardedAccessWithoutLockTests
{
    [Fact]
    public Task WriteWithoutTheLock() => GenericRuleHarness.Verify("void M() { {|PTL1002:a|} = 1; }");

    [Fact]
    public Task WriteUnderTheLock() => GenericRuleHarness.Verify("void M() { mu.Lock(); a = 1; mu.Unlock(); }");

    [Fact] // a read needs the lock at least shared
    public Task ReadUnderASharedLock() => GenericRuleHarness.Verify("int M() { mu.ReaderLock(); int v = a; mu.ReaderUnlock(); return v; }");

    [Fact] // C#'s own lock statement guards a field too
    public Task CSharpLockStatement() => GenericRuleHarness.Verify("""
        readonly object gate = new object();
        [GuardedBy(nameof(gate))] int count;
        void Good() { lock (gate) { count++; } }
        void Bad() { {|PTL1002:count|}++; }
        """);
}
