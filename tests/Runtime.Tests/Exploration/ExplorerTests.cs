using PtLock.Scheduling;

namespace PtLock.Runtime.Tests.Exploration;

/// <summary>The explorer on small scenarios whose outcome is known: lost updates, ABBA deadlock, livelock, replay.</summary>
[Collection(ExplorerCollection.Name)]
public class ExplorerTests
{
    private sealed class Counter
    {
        public int Value;
        public readonly Machine Machine = TestMachines.Small(validate: false);
        public RwSemaphore? Gate;
    }

    /// <summary>Read, reach a scheduling point, write back: an increment that can lose an update.</summary>
    private static void RacyIncrement(Counter c)
    {
        int seen = c.Value;
        SchedPoint.Point(SchedPointKind.Yield);
        c.Value = seen + 1;
    }

    private static Scenario LostUpdate() => Scenario.Create("lost-update",
        () => new Counter(),
        new (string, Action<Counter>)[] { ("A", RacyIncrement), ("B", RacyIncrement) },
        c => { if (c.Value != 2) throw new InvalidOperationException($"an update was lost: {c.Value}"); });

    private static Scenario LockedIncrement() => Scenario.Create("locked-increment",
        () => new Counter { Gate = new RwSemaphore(TestMachines.Small(validate: false), LockClass.Custom("gate", 5, sleeps: true), "gate") },
        new (string, Action<Counter>)[]
        {
            ("A", c => { c.Gate!.DownWrite(); RacyIncrement(c); c.Gate.UpWrite(); }),
            ("B", c => { c.Gate!.DownWrite(); RacyIncrement(c); c.Gate.UpWrite(); }),
        },
        c => { if (c.Value != 2) throw new InvalidOperationException($"an update was lost: {c.Value}"); });

    [Theory]
    [InlineData(ExplorationStrategy.Random)]
    [InlineData(ExplorationStrategy.Pct)]
    [InlineData(ExplorationStrategy.Dfs)]
    public void EveryStrategyFindsTheLostUpdate(ExplorationStrategy strategy)
    {
        var result = Explorer.Run(LostUpdate(), new ExplorationOptions { Strategy = strategy, Budget = 200, Seed = 1 });
        Assert.NotNull(result.Failure);
        Assert.Equal(FailureKind.InvariantViolated, result.Failure!.Kind);
        Assert.True(result.Failure.Reproduced);
        Assert.Contains("lost", result.Failure.Message);
    }

    [Fact]
    public void DfsProvesTheLockedIncrementWithinItsBound()
    {
        var result = Explorer.Run(LockedIncrement(), new ExplorationOptions { Strategy = ExplorationStrategy.Dfs, Budget = 10_000, PreemptionBound = 2 });
        Assert.Null(result.Failure);
        Assert.True(result.Exhausted);
        Assert.True(result.SchedulesTried > 1);
    }

    [Fact]
    public void TheSameSeedGivesTheSameSchedules()
    {
        var a = Explorer.Run(LostUpdate(), new ExplorationOptions { Strategy = ExplorationStrategy.Random, Seed = 7, Budget = 100 });
        var b = Explorer.Run(LostUpdate(), new ExplorationOptions { Strategy = ExplorationStrategy.Random, Seed = 7, Budget = 100 });
        Assert.Equal(a.SchedulesTried, b.SchedulesTried);
        Assert.Equal(a.Failure!.Trace.Choices, b.Failure!.Trace.Choices);
    }

    [Fact]
    public void ATraceSavedToAFileReplaysTheFailureWithAReadableLog()
    {
        var found = Explorer.Run(LostUpdate(), new ExplorationOptions { Seed = 3 }).Failure!;
        string path = Path.Combine(Path.GetTempPath(), $"ptlock-trace-{Guid.NewGuid():N}.json");
        try
        {
            found.Trace.Save(path);
            var loaded = ExplorationTrace.Load(path);
            Assert.Equal(found.Trace.Choices, loaded.Choices);
            var replayed = Explorer.Replay(LostUpdate(), loaded);
            Assert.NotNull(replayed.Failure);
            Assert.Equal(FailureKind.InvariantViolated, replayed.Failure!.Kind);
            Assert.Contains(replayed.Failure.Trace.Log, s => s.Thread == "A" && s.Point == "Yield");
            Assert.Contains(replayed.Failure.Trace.Log, s => s.Thread == "B");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void CorruptOrForeignTracesAreRejectedWithAClearError()
    {
        Assert.Throws<ExplorationException>(() => ExplorationTrace.Parse("{ not json"));
        Assert.Throws<ExplorationException>(() => ExplorationTrace.Parse("""{"format":"other","scenario":"x","strategy":"s","threads":["A"],"choices":[]}"""));
        Assert.Throws<ExplorationException>(() => ExplorationTrace.Parse("""{"format":"ptlock-trace/1","scenario":"x","strategy":"s","threads":["A"],"choices":[3]}"""));
        var foreign = ExplorationTrace.Parse("""{"format":"ptlock-trace/1","scenario":"other","strategy":"s","threads":["A","B"],"choices":[0]}""");
        Assert.Throws<ExplorationException>(() => Explorer.Replay(LostUpdate(), foreign));
        var diverging = ExplorationTrace.Parse("""{"format":"ptlock-trace/1","scenario":"lost-update","strategy":"s","threads":["A","B"],"choices":[0]}""");
        Assert.Throws<ExplorationException>(() => Explorer.Replay(LostUpdate(), diverging));
        Assert.Throws<ExplorationException>(() => ExplorationTrace.Load(Path.Combine(Path.GetTempPath(), "no-such-ptlock-trace.json")));
    }

    [Fact]
    public void OppositeLockOrderIsReportedAsADeadlock()
    {
        var scenario = Scenario.Create("abba",
            () =>
            {
                var machine = TestMachines.Small(validate: false);
                return new[] { new RwSemaphore(machine, LockClass.Custom("a", 5, true), "a"), new RwSemaphore(machine, LockClass.Custom("b", 6, true), "b") };
            },
            new (string, Action<RwSemaphore[]>)[]
            {
                ("T1", l => { l[0].DownWrite(); l[1].DownWrite(); l[1].UpWrite(); l[0].UpWrite(); }),
                ("T2", l => { l[1].DownWrite(); l[0].DownWrite(); l[0].UpWrite(); l[1].UpWrite(); }),
            });
        var result = Explorer.Run(scenario, new ExplorationOptions { Strategy = ExplorationStrategy.Dfs, Budget = 100 });
        Assert.NotNull(result.Failure);
        Assert.Equal(FailureKind.Deadlock, result.Failure!.Kind);
        Assert.Contains("waits for", result.Failure.Message);
    }

    [Fact]
    public void AThreadThatNeverFinishesIsALivelock()
    {
        var scenario = Scenario.Create("spinner", () => new Counter(),
            new (string, Action<Counter>)[] { ("forever", _ => { while (true) SchedPoint.Point(SchedPointKind.Yield); }), ("other", c => c.Value++) });
        var result = Explorer.Run(scenario, new ExplorationOptions { MaxSteps = 500, Budget = 5 });
        Assert.Equal(FailureKind.Livelock, result.Failure!.Kind);
    }

    [Fact]
    public void BlockingOutsideTheRuntimeIsReportedNotHung()
    {
        var scenario = Scenario.Create("uncontrolled", () => new ManualResetEventSlim(),
            new (string, Action<ManualResetEventSlim>)[] { ("waiter", e => e.Wait()), ("setter", e => { SchedPoint.Point(SchedPointKind.Yield); e.Set(); }) });
        var result = Explorer.Run(scenario, new ExplorationOptions { Strategy = ExplorationStrategy.Dfs, Budget = 5, StepTimeout = TimeSpan.FromMilliseconds(300) });
        Assert.NotNull(result.Failure);
        Assert.Equal(FailureKind.UncontrolledBlocking, result.Failure!.Kind);
    }

    [Fact]
    public void BadScenariosAndOptionsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => Scenario.Create("empty", () => new Counter(), Array.Empty<(string, Action<Counter>)>()));
        Assert.Throws<ArgumentException>(() => Scenario.Create("dup", () => new Counter(), new (string, Action<Counter>)[] { ("A", _ => { }), ("A", _ => { }) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Explorer.Run(LostUpdate(), new ExplorationOptions { Budget = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Explorer.Run(LostUpdate(), new ExplorationOptions { PctDepth = 0 }));
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ExplorerCollection
{
    /// <summary>Explorer tests run alone: RCU grace periods are global, and a reader in a parallel test would make schedules differ.</summary>
    public const string Name = "explorer";
}
