namespace PtLock.Scheduling;

/// <summary>What went wrong in a failing schedule.</summary>
public enum FailureKind
{
    /// <summary>A scenario thread threw (a <see cref="PtLockViolationException"/>, a <see cref="KernelOopsException"/>, …).</summary>
    ThreadException,

    /// <summary>The final invariant check threw.</summary>
    InvariantViolated,

    /// <summary>Every live thread was blocked and none made progress.</summary>
    Deadlock,

    /// <summary>The schedule exceeded <see cref="ExplorationOptions.MaxSteps"/> scheduling points.</summary>
    Livelock,

    /// <summary>A thread blocked outside the runtime's scheduling points (an uncontrolled wait).</summary>
    UncontrolledBlocking,
}

/// <summary>A failing schedule: what failed, where, and the trace that reproduces it.</summary>
public sealed record ExplorationFailure(FailureKind Kind, string Message, string? RuleId, string? Thread, ExplorationTrace Trace, Exception? Exception)
{
    /// <summary>Whether replaying <see cref="Trace"/> failed again the same way (the explorer checks it).</summary>
    public bool Reproduced { get; init; }

    public override string ToString() => $"{Kind}{(RuleId is null ? "" : " " + RuleId)}{(Thread is null ? "" : $" in {Thread}")}: {Message}";
}

/// <summary>The outcome of <see cref="Explorer.Run"/> or <see cref="Explorer.Replay"/>.</summary>
public sealed record ExplorationResult(string Scenario, string Strategy, int SchedulesTried, TimeSpan Elapsed, ExplorationFailure? Failure, bool Exhausted, int MaxStepsSeen)
{
    public double SchedulesPerSecond => Elapsed.TotalSeconds > 0 ? SchedulesTried / Elapsed.TotalSeconds : 0;

    public override string ToString() =>
        Failure is null
            ? $"{Scenario}: no failure in {SchedulesTried} schedules ({Strategy}{(Exhausted ? ", exhaustive within the bound" : "")}), {SchedulesPerSecond:0}/s"
            : $"{Scenario}: {Failure} (schedule {Failure.Trace.Schedule + 1} of {SchedulesTried}, {Strategy})";
}

/// <summary>The explorer itself cannot go on: a trace that does not fit its scenario, a scenario that is not deterministic.</summary>
public sealed class ExplorationException(string message) : Exception(message);

/// <summary>Thrown at a scheduling point of a thread whose schedule was abandoned, to unwind it quickly.</summary>
internal sealed class ExplorationAbortedException() : Exception("the explorer abandoned this schedule");
