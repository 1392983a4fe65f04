using System.Diagnostics;

namespace PtLock.Scheduling;

/// <summary>
/// The controlled race explorer: runs a <see cref="Scenario"/> under many schedules chosen by a strategy (random
/// walk, PCT, bounded DFS), one runnable thread at a time, and stops at the first failing schedule. A failure comes
/// with a trace that <see cref="Replay(Scenario, ExplorationTrace, ExplorationOptions?)"/> reproduces exactly, and
/// whose log says which thread did which kernel call at every scheduling point.
/// </summary>
public static class Explorer
{
    /// <summary>Explore <paramref name="scenario"/> within the options' budget; the result holds the first failure, if any.</summary>
    public static ExplorationResult Run(Scenario scenario, ExplorationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        options ??= new ExplorationOptions();
        options.Validate();
        var strategy = SchedulingStrategy.For(options);
        var clock = Stopwatch.StartNew();
        int tried = 0, maxSteps = 0;
        var pool = new WorkerPool(scenario.Threads.Count);
        try
        {
            for (int schedule = 0; schedule < options.Budget; schedule++)
            {
                if (options.TimeLimit is { } limit && clock.Elapsed > limit)
                    break;
                if (!strategy.BeginSchedule(schedule, scenario.Threads.Count))
                    break;
                if (!pool.WaitIdle(options.StepTimeout))
                {
                    pool.Dispose();
                    pool = new WorkerPool(scenario.Threads.Count);
                }
                var outcome = ControlledRun.Execute(scenario, strategy, options, log: false, pool);
                strategy.EndSchedule(outcome.Steps);
                tried++;
                maxSteps = Math.Max(maxSteps, outcome.Steps);
                options.Progress?.Invoke(tried);
                if (outcome.Failure is { } failure)
                {
                    clock.Stop();
                    var trace = new ExplorationTrace
                    {
                        Scenario = scenario.Name,
                        Strategy = strategy.Describe(),
                        Schedule = schedule,
                        Threads = scenario.Threads.Select(t => t.Name).ToArray(),
                        Choices = outcome.Choices,
                        Failure = failure.Message,
                    };
                    // Replaying with the log on both documents the interleaving and proves the trace reproduces it. The
                    // exploring threads go first: one abandoned inside an RCU read section must not stall the replay.
                    pool.Dispose();
                    ExplorationResult? replayed = null;
                    try { replayed = Replay(scenario, trace, options); }
                    catch (ExplorationException) { } // the schedule did not replay: reported as not reproduced
                    var found = new ExplorationFailure(failure.Kind, failure.Message, failure.RuleId, failure.Thread,
                        replayed?.Failure?.Trace ?? trace, failure.Exception)
                    {
                        Reproduced = replayed?.Failure is { } again && again.Kind == failure.Kind && again.RuleId == failure.RuleId,
                    };
                    return new ExplorationResult(scenario.Name, strategy.Describe(), tried, clock.Elapsed, found, false, maxSteps);
                }
            }
            clock.Stop();
            return new ExplorationResult(scenario.Name, strategy.Describe(), tried, clock.Elapsed, null, strategy.Exhausted, maxSteps);
        }
        finally
        {
            pool.Dispose();
        }
    }

    /// <summary>
    /// Run the one schedule <paramref name="trace"/> describes, with the readable log on. The trace must come from
    /// the same scenario (name and threads); a scenario that does not follow it any more gives an
    /// <see cref="ExplorationException"/>.
    /// </summary>
    public static ExplorationResult Replay(Scenario scenario, ExplorationTrace trace, ExplorationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(trace);
        options ??= new ExplorationOptions();
        options.Validate();
        if (trace.Scenario != scenario.Name)
            throw new ExplorationException($"the trace is of scenario '{trace.Scenario}', not '{scenario.Name}'");
        if (!trace.Threads.SequenceEqual(scenario.Threads.Select(t => t.Name)))
            throw new ExplorationException($"the trace's threads [{string.Join(", ", trace.Threads)}] are not the scenario's [{string.Join(", ", scenario.Threads.Select(t => t.Name))}]");
        var strategy = new ReplayStrategy(trace.Choices);
        var clock = Stopwatch.StartNew();
        strategy.BeginSchedule(0, scenario.Threads.Count);
        ControlledRun.Outcome outcome;
        using (var pool = new WorkerPool(scenario.Threads.Count))
            outcome = ControlledRun.Execute(scenario, strategy, options, log: true, pool);
        clock.Stop();
        if (outcome.Failure is null && strategy.Used < trace.Choices.Count)
            throw new ExplorationException($"the schedule ended after {strategy.Used} of the trace's {trace.Choices.Count} choices: the scenario changed or is not deterministic");
        var replayed = trace with { Log = outcome.Log, Failure = outcome.Failure?.Message };
        var failure = outcome.Failure is { } f
            ? new ExplorationFailure(f.Kind, f.Message, f.RuleId, f.Thread, replayed, f.Exception) { Reproduced = true }
            : null;
        return new ExplorationResult(scenario.Name, "replay", 1, clock.Elapsed, failure, false, outcome.Steps);
    }
}
