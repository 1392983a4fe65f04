namespace PtLock.Scheduling;

/// <summary>One thread of a scenario: a name for traces and the code it runs against the scenario's state.</summary>
public sealed record ScenarioThread(string Name, Action<object> Body);

/// <summary>
/// A multi-threaded scenario for the <see cref="Explorer"/>: a setup that builds fresh state for every schedule
/// (a new <see cref="Machine"/>, mms, mappings), the threads that race on it, and a final invariant check that
/// throws when the outcome is wrong. Plain C#: write your own with <see cref="Create{TState}"/>.
/// </summary>
public sealed class Scenario
{
    private Scenario(string name, Func<object> setup, IReadOnlyList<ScenarioThread> threads, Action<object>? check)
    {
        Name = name;
        Setup = setup;
        Threads = threads;
        Check = check;
    }

    public string Name { get; }
    public Func<object> Setup { get; }
    public IReadOnlyList<ScenarioThread> Threads { get; }
    public Action<object>? Check { get; }

    /// <summary>A scenario over a state of type <typeparamref name="TState"/>.</summary>
    /// <param name="name">Shown in results and traces; a trace replays only on the scenario of the same name.</param>
    /// <param name="setup">Runs before every schedule, outside the explorer's control.</param>
    /// <param name="threads">Two or more threads (names must differ); each runs under the explorer's control.</param>
    /// <param name="check">Runs after every thread finished; throw to report a failure. May be null.</param>
    public static Scenario Create<TState>(string name, Func<TState> setup, IEnumerable<(string Name, Action<TState> Body)> threads, Action<TState>? check = null)
        where TState : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(threads);
        var list = new List<ScenarioThread>();
        foreach (var (threadName, body) in threads)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(threadName, nameof(threads));
            ArgumentNullException.ThrowIfNull(body, nameof(threads));
            if (list.Any(t => t.Name == threadName))
                throw new ArgumentException($"two threads are named '{threadName}'", nameof(threads));
            list.Add(new ScenarioThread(threadName, state => body((TState)state)));
        }
        if (list.Count == 0)
            throw new ArgumentException("a scenario needs at least one thread", nameof(threads));
        if (list.Count > ExplorationLimits.MaxThreads)
            throw new ArgumentException($"at most {ExplorationLimits.MaxThreads} threads", nameof(threads));
        return new Scenario(name, () => setup() ?? throw new InvalidOperationException($"the setup of '{name}' returned null"),
            list, check is null ? null : state => check((TState)state));
    }

    public override string ToString() => $"{Name} ({Threads.Count} threads)";
}

/// <summary>Hard limits that keep a bad scenario from hanging the explorer.</summary>
public static class ExplorationLimits
{
    public const int MaxThreads = 16;
}
