namespace PtLock.Runtime.Tests;

public class RcuTests
{
    [Fact]
    public void SynchronizeWaitsForAReaderThatWasInsideItsSection()
    {
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var reader = new Thread(() =>
        {
            using (Rcu.ReadSection())
            {
                inside.Set();
                release.Wait();
            }
        });
        reader.Start();
        inside.Wait();
        var sync = BackgroundThread.Start(Rcu.Synchronize);
        Assert.False(sync.Join(150), "synchronize_rcu returned while a pre-existing reader was still inside");
        release.Set();
        Assert.True(sync.Join(10_000));
        reader.Join();
    }

    [Fact]
    public void SynchronizeDoesNotWaitForReadersThatStartLater()
    {
        Rcu.Synchronize();
        using var section = Rcu.ReadSection();
        var other = BackgroundThread.Start(Rcu.Synchronize);
        // This thread entered before the other's grace period started, so it must wait for us: leave now.
        section.Dispose();
        Assert.True(other.Join(10_000));
    }

    [Fact]
    public void CallbacksRunOnlyAfterTheGracePeriod()
    {
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var reader = new Thread(() =>
        {
            Rcu.ReadLock();
            inside.Set();
            release.Wait();
            Rcu.ReadUnlock();
        });
        reader.Start();
        inside.Wait();
        int ran = 0;
        Rcu.Call(() => Interlocked.Increment(ref ran));
        Rcu.ProcessReadyCallbacks();
        Assert.Equal(0, Volatile.Read(ref ran));
        release.Set();
        reader.Join();
        Rcu.Barrier();
        Assert.Equal(1, Volatile.Read(ref ran));
    }

    [Fact]
    public void SectionsNestAndUnbalancedUnlockIsReported()
    {
        Rcu.ReadLock();
        Rcu.ReadLock();
        Assert.Equal(2, Rcu.Depth);
        Rcu.ReadUnlock();
        Rcu.ReadUnlock();
        Assert.Equal(0, Rcu.Depth);
        Assert.Equal(RuleIds.ReleasedNotHeld, Assert.Throws<PtLockViolationException>(Rcu.ReadUnlock).RuleId);
    }

    [Fact]
    public void SynchronizeInsideAReadSectionIsReportedInsteadOfDeadlocking()
    {
        using (Rcu.ReadSection())
            Assert.Equal(RuleIds.SleepInAtomic, Assert.Throws<PtLockViolationException>(Rcu.Synchronize).RuleId);
    }

    [Fact]
    public void AThreadThatDiedInsideASectionDoesNotStallGracePeriods()
    {
        var t = new Thread(() => Rcu.ReadLock());
        t.Start();
        t.Join();
        Assert.True(BackgroundThread.Start(Rcu.Synchronize).Join(10_000));
    }
}
