namespace PtLock.Scheduling;

/// <summary>How the explorer picks the thread to run at each scheduling point.</summary>
public enum ExplorationStrategy
{
    /// <summary>Uniformly random among the runnable threads, from a seed.</summary>
    Random,

    /// <summary>Probabilistic concurrency testing: random thread priorities with <c>depth - 1</c> priority change points.</summary>
    Pct,

    /// <summary>Bounded exhaustive search: depth-first over every schedule with at most <c>PreemptionBound</c> preemptions.</summary>
    Dfs,
}

/// <summary>Budget and strategy of one exploration.</summary>
public sealed record ExplorationOptions
{
    public ExplorationStrategy Strategy { get; init; } = ExplorationStrategy.Random;

    /// <summary>How many schedules to try at most.</summary>
    public int Budget { get; init; } = 1000;

    /// <summary>The seed of the random and PCT strategies (each schedule derives its own from it).</summary>
    public int Seed { get; init; }

    /// <summary>PCT's bug depth d: d - 1 priority change points per schedule.</summary>
    public int PctDepth { get; init; } = 3;

    /// <summary>The DFS strategy's preemption bound (switching away from a thread that could go on).</summary>
    public int PreemptionBound { get; init; } = 2;

    /// <summary>Scheduling points in one schedule before it is reported as a livelock.</summary>
    public int MaxSteps { get; init; } = 20_000;

    /// <summary>Stop after this long even if the budget is not spent (null: no limit).</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>How long a controlled thread may run without reaching a scheduling point (it blocked outside the runtime).</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Called after each schedule with the number tried so far (progress display).</summary>
    public Action<int>? Progress { get; init; }

    internal void Validate()
    {
        if (Budget < 1)
            throw new ArgumentOutOfRangeException(nameof(Budget), Budget, "the budget is at least one schedule");
        if (PctDepth < 1)
            throw new ArgumentOutOfRangeException(nameof(PctDepth), PctDepth, "PCT depth is at least 1");
        if (PreemptionBound < 0)
            throw new ArgumentOutOfRangeException(nameof(PreemptionBound), PreemptionBound, "the preemption bound cannot be negative");
        if (MaxSteps < 10)
            throw new ArgumentOutOfRangeException(nameof(MaxSteps), MaxSteps, "at least 10 steps per schedule");
        if (!Enum.IsDefined(Strategy))
            throw new ArgumentOutOfRangeException(nameof(Strategy), Strategy, "unknown strategy");
    }
}
