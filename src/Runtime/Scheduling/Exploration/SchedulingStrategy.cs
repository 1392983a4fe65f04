namespace PtLock.Scheduling;

/// <summary>
/// Picks the thread to run at each scheduling point of one schedule. <see cref="Choose"/> is called at every
/// point with the runnable threads (ascending indices) and the thread that reached the point (-1 when it
/// finished or blocked for good).
/// </summary>
internal abstract class SchedulingStrategy
{
    /// <summary>Prepare schedule number <paramref name="schedule"/>; false when the strategy has nothing left to try.</summary>
    public abstract bool BeginSchedule(int schedule, int threadCount);

    public abstract int Choose(IReadOnlyList<int> runnable, int current, int step);

    /// <summary>The schedule ended after <paramref name="steps"/> scheduling points.</summary>
    public virtual void EndSchedule(int steps) { }

    /// <summary>True once a bounded-exhaustive strategy tried every schedule within its bound.</summary>
    public virtual bool Exhausted => false;

    public abstract string Describe();

    public static SchedulingStrategy For(ExplorationOptions options) => options.Strategy switch
    {
        ExplorationStrategy.Random => new RandomWalkStrategy(options.Seed),
        ExplorationStrategy.Pct => new PctStrategy(options.Seed, options.PctDepth),
        ExplorationStrategy.Dfs => new DfsStrategy(options.PreemptionBound),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Strategy, "unknown strategy"),
    };
}

/// <summary>Uniformly random among the runnable threads; schedule n uses seed (Seed, n).</summary>
internal sealed class RandomWalkStrategy(int seed) : SchedulingStrategy
{
    private Random _random = new(seed);

    public override bool BeginSchedule(int schedule, int threadCount)
    {
        _random = new Random(ScheduleSeed.Of(seed, schedule, 1));
        return true;
    }

    public override int Choose(IReadOnlyList<int> runnable, int current, int step) => runnable[_random.Next(runnable.Count)];

    public override string Describe() => $"random (seed {seed})";
}

/// <summary>
/// PCT (Burckhardt et al., ASPLOS 2010): each thread gets a distinct random priority at least d; at d - 1 random
/// steps among the expected length, the running thread drops to priority 0, 1, …; the highest-priority runnable
/// thread always runs. A bug of depth d is found with probability at least 1/(n·k^(d-1)) per schedule.
/// </summary>
internal sealed class PctStrategy(int seed, int depth) : SchedulingStrategy
{
    private readonly List<(int Step, int Priority)> _changes = new();
    private int _nextChange;
    private int[] _priority = Array.Empty<int>();
    private int _expectedSteps = 64;
    private Random _random = new(seed);

    public override bool BeginSchedule(int schedule, int threadCount)
    {
        _random = new Random(ScheduleSeed.Of(seed, schedule, 2));
        var order = Enumerable.Range(0, threadCount).OrderBy(_ => _random.Next()).ToArray();
        _priority = new int[threadCount];
        for (int i = 0; i < threadCount; i++)
            _priority[order[i]] = depth + i;
        _changes.Clear();
        for (int i = 1; i < depth; i++)
            _changes.Add((1 + _random.Next(_expectedSteps), i - 1));
        _changes.Sort();
        _nextChange = 0;
        return true;
    }

    public override int Choose(IReadOnlyList<int> runnable, int current, int step)
    {
        // Choices are offered only where there is one; a change point that fell between them applies at the next.
        while (_nextChange < _changes.Count && _changes[_nextChange].Step <= step)
        {
            if (current >= 0)
                _priority[current] = _changes[_nextChange].Priority;
            _nextChange++;
        }
        int best = runnable[0];
        foreach (int t in runnable)
            if (_priority[t] > _priority[best])
                best = t;
        return best;
    }

    public override void EndSchedule(int steps) => _expectedSteps = Math.Max(_expectedSteps, steps);

    public override string Describe() => $"pct (seed {seed}, depth {depth})";
}

/// <summary>
/// Depth-first search over the choice points with iterative context bounding: at most <c>bound</c> preemptions
/// (running another thread while the current one could go on) per schedule. Each schedule replays the previous
/// one's choices up to the deepest point with an untried option, takes that option, then prefers the current
/// thread. Exhausted when every schedule within the bound was run.
/// </summary>
internal sealed class DfsStrategy(int bound) : SchedulingStrategy
{
    private sealed class ChoicePoint(int[] options, int preemptionsBefore, int current)
    {
        public int[] Options { get; } = options;
        public int Taken { get; set; }
        public int PreemptionsBefore { get; } = preemptionsBefore;
        public int Current { get; } = current;
    }

    private readonly List<ChoicePoint> _stack = new();
    private int _depth;
    private int _preemptions;
    private bool _exhausted;

    public override bool Exhausted => _exhausted;

    public override bool BeginSchedule(int schedule, int threadCount)
    {
        if (schedule > 0 && !Backtrack())
        {
            _exhausted = true;
            return false;
        }
        _depth = 0;
        _preemptions = 0;
        return true;
    }

    public override int Choose(IReadOnlyList<int> runnable, int current, int step)
    {
        ChoicePoint point;
        if (_depth < _stack.Count)
        {
            point = _stack[_depth];
            int wanted = point.Options[point.Taken];
            if (!runnable.Contains(wanted))
                throw new ExplorationException($"the scenario is not deterministic: schedule step {step} offered threads [{string.Join(",", runnable)}], the replayed prefix expected {wanted}");
        }
        else
        {
            bool currentRunnable = current >= 0 && runnable.Contains(current);
            int[] options = currentRunnable && _preemptions >= bound
                ? new[] { current }
                : currentRunnable
                    ? new[] { current }.Concat(runnable.Where(t => t != current)).ToArray()
                    : runnable.ToArray();
            point = new ChoicePoint(options, _preemptions, current);
            _stack.Add(point);
        }
        _depth++;
        int chosen = point.Options[point.Taken];
        if (point.Current >= 0 && chosen != point.Current && runnable.Contains(point.Current))
            _preemptions++;
        return chosen;
    }

    public override void EndSchedule(int steps)
    {
        // Points past the end of this schedule (a shorter run than the prefix promised) are dropped.
        if (_stack.Count > _depth)
            _stack.RemoveRange(_depth, _stack.Count - _depth);
    }

    private bool Backtrack()
    {
        while (_stack.Count > 0)
        {
            var top = _stack[^1];
            if (top.Taken + 1 < top.Options.Length)
            {
                top.Taken++;
                return true;
            }
            _stack.RemoveAt(_stack.Count - 1);
        }
        return false;
    }

    public override string Describe() => $"dfs (preemption bound {bound})";
}

/// <summary>Replays a recorded trace: the same thread at every choice point.</summary>
internal sealed class ReplayStrategy(IReadOnlyList<int> choices) : SchedulingStrategy
{
    private int _next;

    /// <summary>How many of the trace's choices the schedule used.</summary>
    public int Used => _next;

    public override bool BeginSchedule(int schedule, int threadCount)
    {
        _next = 0;
        return schedule == 0;
    }

    public override int Choose(IReadOnlyList<int> runnable, int current, int step)
    {
        if (_next >= choices.Count)
            throw new ExplorationException($"the trace ended after {choices.Count} choices but the schedule goes on (step {step}): the scenario changed or is not deterministic");
        int wanted = choices[_next++];
        if (!runnable.Contains(wanted))
            throw new ExplorationException($"the trace runs thread {wanted} at choice {_next - 1} (step {step}), but only [{string.Join(",", runnable)}] can run: the scenario changed or is not deterministic");
        return wanted;
    }

    public override string Describe() => "replay";
}

/// <summary>
/// The seed of one schedule, the same in every process (HashCode.Combine is randomised per process, which would
/// make a saved seed useless elsewhere).
/// </summary>
internal static class ScheduleSeed
{
    public static int Of(int seed, int schedule, int salt)
    {
        // splitmix64 finaliser over the three inputs
        ulong z = ((ulong)(uint)seed << 32 | (uint)schedule) + 0x9E3779B97F4A7C15UL * (ulong)(salt + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}
